"""JumpCloud's hand-off page goes on to the application without waiting for its pictures.

The page that posts the signed Response to BlogIn shows JumpCloud's logo and the application's image. The
sign-in must not wait for them: here the application's image never arrives (its request is sent to a
server that accepts the connection and never answers), and the End User still lands on BlogIn signed in.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

from sandbox.app import Sandbox
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import USER_PASSWORD, DirectoryUser, Rehearsal
from tests.desktop.clicking import click, follow, go_to, type_into, wait_for_page

pytestmark = pytest.mark.desktop

END_USER = DirectoryUser("ann.lee", "ann.lee@acme.example", "Ann", "Lee", "Editor")


class SilentServer:
    """Accepts connections on loopback and never answers them, until closed."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            self._held.append(connection)

    def close(self) -> None:
        self._listener.close()
        for connection in self._held:
            connection.close()
        self._thread.join(5)


class ImagesToNowhere(QWebEngineUrlRequestInterceptor):
    """Sends every request for an application's User Portal Image to the silent server."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port
        self.redirected: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if url.path().startswith("/applications/") and url.path().endswith("/image"):
            self.redirected.append(url.toString())
            info.redirect(QUrl(f"http://127.0.0.1:{self.port}/never"))


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_the_sign_in_reaches_blogin_while_the_application_image_never_arrives(
    window: MainWindow, module_sandbox: Sandbox, silent_server: SilentServer
) -> None:
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as rehearsal:
        rehearsal.sign_in_admins()
        rehearsal.create_blogin_application()
        rehearsal.configure_sso()
        user_id = rehearsal.create_user(END_USER)
        rehearsal.authorize_groups([rehearsal.create_group("Editors", [user_id])])
    end_user = window.browsers["end-user"]
    jumpcloud, blogin = module_sandbox.jumpcloud.host, module_sandbox.blogin.host
    go_to(end_user, f"{module_sandbox.jumpcloud.base_url}/userconsole")
    type_into(end_user, "input[name=login]", END_USER.username)
    type_into(end_user, "input[name=password]", USER_PASSWORD)
    click(end_user, "button", "User Login")
    wait_for_page(end_user, "Applications", "Ann Lee", host=jumpcloud, path="/userconsole")

    profile = end_user.page.profile()
    interceptor = ImagesToNowhere(silent_server.port)
    profile.setUrlRequestInterceptor(interceptor)
    try:
        follow(end_user, "a.tile", "BlogIn", contains=True)
        home = wait_for_page(end_user, "Latest posts", "Signed in as", "Ann Lee", host=blogin, path="/")
    finally:
        profile.setUrlRequestInterceptor(None)
    assert f"{END_USER.email} · Reader" in home
    # The hand-off page did ask for the image: the sign-in went on while that request hung.
    assert interceptor.redirected and silent_server.accepted >= 1
