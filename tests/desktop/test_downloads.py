"""Downloads in the persona browsers, and the file chooser that uploads what was downloaded.

The guide downloads metadata on one side ("Download Metadata as file (xml)", "Export Metadata") and
uploads it on the other ("Upload Metadata", BlogIn's Metadata file). QtWebEngine drops a download that
nobody accepts: those clicks did nothing. Each download is now saved into the download folder (here a
folder under the test's tmp_path, named through XDG_DOWNLOAD_DIR), under the server's name, never over a
file already there, and the pane and the status bar say where it went; a page's file chooser opens there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.blogin.web.sso import METADATA_FILENAME
from sandbox.desktop.browser import PersonaBrowser
from sandbox.desktop.downloads import DOWNLOAD_DIR_VARIABLE, FALLBACK_FOLDER, file_name_filters, free_file_name
from sandbox.desktop.personas import PERSONAS
from sandbox.desktop.window import MainWindow
from sandbox.scenarios.rehearsal import Rehearsal
from tests.desktop.clicking import click, evaluate, go_to, wait_for_page
from tests.desktop.conftest import lone_persona_browser

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"
SAVE_TIMEOUT_MS = 30_000


@pytest.fixture
def downloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's Downloads folder, for this test."""
    folder = tmp_path / "Downloads"
    folder.mkdir()
    monkeypatch.setenv(DOWNLOAD_DIR_VARIABLE, str(folder))
    return folder


@pytest.fixture(scope="module")
def rehearsal(module_sandbox: Sandbox) -> Iterator[Rehearsal]:
    """Both admins signed in over HTTP, BlogIn added in JumpCloud (not configured)."""
    with Rehearsal(module_sandbox.jumpcloud.base_url, module_sandbox.blogin.base_url) as admins:
        admins.sign_in_admins()
        admins.create_blogin_application("BlogIn downloads")
        yield admins


class FileDialogStandIn:
    """In place of the desktop's file dialog: notes where it was opened and answers with ``answer``."""

    def __init__(self) -> None:
        self.opened_in: list[str] = []
        self.filters: list[str] = []
        self.answer = ""

    def get_open_file_name(
        self, _parent: QWidget | None, _caption: str, directory: str, filters: str, *_rest: object
    ) -> tuple[str, str]:
        self.opened_in.append(directory)
        self.filters.append(filters)
        return self.answer, ""


@pytest.fixture
def file_dialog(monkeypatch: pytest.MonkeyPatch) -> FileDialogStandIn:
    stand_in = FileDialogStandIn()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", stand_in.get_open_file_name)
    return stand_in


def shown(qtbot: QtBot, window: MainWindow, pane: int, key: str) -> PersonaBrowser:
    """The persona ``key``'s browser, shown in the window's ``pane`` (0: left, 1: right)."""
    window.area.choose(pane, key)
    browser = window.browsers[key]
    qtbot.waitUntil(browser.isVisible)
    return browser


def blogin_sso_settings(browser: PersonaBrowser, sandbox: Sandbox) -> None:
    go_to(browser, f"{sandbox.blogin.base_url}/settings/sso")
    wait_for_page(browser, "Download Metadata as file (xml)", host=sandbox.blogin.host, path="/settings/sso")


def jumpcloud_sso_tab(browser: PersonaBrowser, sandbox: Sandbox, application_id: str) -> None:
    path = f"/applications/{application_id}/sso"
    go_to(browser, f"{sandbox.jumpcloud.base_url}{path}")
    wait_for_page(browser, "Export Metadata", "Upload Metadata", host=sandbox.jumpcloud.host, path=path)


def wait_for_file(qtbot: QtBot, path: Path) -> bytes:
    qtbot.waitUntil(path.is_file, timeout=SAVE_TIMEOUT_MS)
    return path.read_bytes()


def wait_for_saved(qtbot: QtBot, window: MainWindow, browser: PersonaBrowser, words: str) -> None:
    """The status bar and the persona's pane both say ``words``."""

    def said() -> bool:
        bar = browser.download_bar
        return (
            window.statusBar().currentMessage() == words
            and bar is not None
            and bar.isVisible()
            and words in bar.message.text()
        )

    qtbot.waitUntil(said, timeout=SAVE_TIMEOUT_MS)


def entity_id(xml: bytes) -> str:
    root = ElementTree.fromstring(xml)
    assert root.tag == f"{MD}EntityDescriptor", root.tag
    return root.attrib["entityID"]


def test_blogin_metadata_is_saved_to_downloads_and_never_over_a_file(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, downloads: Path
) -> None:
    admin = shown(qtbot, window, 1, "blogin-admin")
    blogin_sso_settings(admin, module_sandbox)
    click(admin, "a.btn", "Download Metadata as file (xml)")

    metadata = wait_for_file(qtbot, downloads / METADATA_FILENAME)
    assert entity_id(metadata) == f"{module_sandbox.blogin.base_url}/"
    assert ElementTree.fromstring(metadata).find(f"{MD}SPSSODescriptor") is not None
    wait_for_saved(qtbot, window, admin, f"Saved {METADATA_FILENAME} to Downloads")
    window.grab().save(str(downloads.parent / "window-after-download.png"))

    # Again: the file already there is kept, the new one is numbered as a browser numbers it.
    (downloads / METADATA_FILENAME).write_text("my notes")
    click(admin, "a.btn", "Download Metadata as file (xml)")
    numbered = METADATA_FILENAME.replace(".xml", " (1).xml")
    assert entity_id(wait_for_file(qtbot, downloads / numbered)) == f"{module_sandbox.blogin.base_url}/"
    wait_for_saved(qtbot, window, admin, f"Saved {numbered} to Downloads")
    assert (downloads / METADATA_FILENAME).read_text() == "my notes"
    assert sorted(path.name for path in downloads.iterdir()) == [numbered, METADATA_FILENAME]


def test_jumpcloud_export_metadata_and_certificate_are_saved(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, rehearsal: Rehearsal, downloads: Path
) -> None:
    assert rehearsal.application_id is not None
    admin = shown(qtbot, window, 0, "jumpcloud-admin")
    jumpcloud_sso_tab(admin, module_sandbox, rehearsal.application_id)

    click(admin, "a.btn", "Export Metadata")
    qtbot.waitUntil(lambda: any(downloads.glob("JumpCloud-*-metadata.xml")), timeout=SAVE_TIMEOUT_MS)
    [saved] = downloads.glob("JumpCloud-*-metadata.xml")
    served = rehearsal.jumpcloud_admin.get(rehearsal.metadata_url())
    metadata = wait_for_file(qtbot, saved)
    assert entity_id(metadata) == entity_id(served.content)
    assert ElementTree.fromstring(metadata).find(f"{MD}IDPSSODescriptor") is not None
    wait_for_saved(qtbot, window, admin, f"Saved {saved.name} to Downloads")

    click(admin, "a.btn", "Download certificate")
    qtbot.waitUntil(lambda: any(downloads.glob("JumpCloud-*-certificate.pem")), timeout=SAVE_TIMEOUT_MS)
    [certificate] = downloads.glob("JumpCloud-*-certificate.pem")
    assert wait_for_file(qtbot, certificate).startswith(b"-----BEGIN CERTIFICATE-----")
    wait_for_saved(qtbot, window, admin, f"Saved {certificate.name} to Downloads")


def test_upload_metadata_opens_where_the_download_went(
    qtbot: QtBot,
    window: MainWindow,
    module_sandbox: Sandbox,
    rehearsal: Rehearsal,
    downloads: Path,
    file_dialog: FileDialogStandIn,
) -> None:
    """The guide's round trip: BlogIn's metadata downloaded, then JumpCloud's Upload Metadata picks it."""
    assert rehearsal.application_id is not None
    blogin_admin = shown(qtbot, window, 1, "blogin-admin")
    blogin_sso_settings(blogin_admin, module_sandbox)
    click(blogin_admin, "a.btn", "Download Metadata as file (xml)")
    downloaded = downloads / METADATA_FILENAME
    wait_for_file(qtbot, downloaded)
    wait_for_saved(qtbot, window, blogin_admin, f"Saved {METADATA_FILENAME} to Downloads")

    admin = shown(qtbot, window, 0, "jumpcloud-admin")
    jumpcloud_sso_tab(admin, module_sandbox, rehearsal.application_id)
    sso_tab = f"{module_sandbox.jumpcloud.base_url}/applications/{rehearsal.application_id}/sso"
    entity = f"{module_sandbox.blogin.base_url}/"
    assert f'value="{entity}"' not in rehearsal.jumpcloud_admin.get(sso_tab).text

    # The dialog cancelled: nothing chosen, nothing sent.
    click(admin, "label.btn", "Upload Metadata")
    qtbot.waitUntil(lambda: bool(file_dialog.opened_in), timeout=SAVE_TIMEOUT_MS)
    assert file_dialog.opened_in == [str(downloads)]
    assert "*.xml" in file_dialog.filters[0] and "All files (*)" in file_dialog.filters[0]
    assert evaluate(admin, "document.getElementById('metadata-file').files.length") == 0

    # The file just downloaded, chosen where the dialog opened: the page sends it at once, and SP Entity
    # ID and ACS URL now come from BlogIn's metadata.
    file_dialog.answer = str(downloaded)
    click(admin, "label.btn", "Upload Metadata")
    qtbot.waitUntil(lambda: len(file_dialog.opened_in) == 2, timeout=SAVE_TIMEOUT_MS)
    assert file_dialog.opened_in[1] == str(downloads)
    qtbot.waitUntil(lambda: f'value="{entity}"' in rehearsal.jumpcloud_admin.get(sso_tab).text, timeout=SAVE_TIMEOUT_MS)
    wait_for_page(admin, "Single Sign-On Configuration", host=module_sandbox.jumpcloud.host)
    fields = "[...document.querySelectorAll('#sso-form input')].map(e => e.value).join(' ')"
    qtbot.waitUntil(lambda: entity in str(evaluate(admin, fields)), timeout=SAVE_TIMEOUT_MS)


def test_without_a_downloads_folder_files_go_to_the_sandbox_data_folder(
    qtbot: QtBot, window: MainWindow, module_sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DOWNLOAD_DIR_VARIABLE, str(tmp_path / "no such folder"))
    admin = shown(qtbot, window, 1, "blogin-admin")
    blogin_sso_settings(admin, module_sandbox)
    folder = module_sandbox.settings.data_dir / FALLBACK_FOLDER
    before = set(folder.iterdir()) if folder.is_dir() else set()

    click(admin, "a.btn", "Download Metadata as file (xml)")
    qtbot.waitUntil(lambda: folder.is_dir() and len(set(folder.iterdir()) - before) == 1, timeout=SAVE_TIMEOUT_MS)
    [saved] = set(folder.iterdir()) - before
    assert entity_id(wait_for_file(qtbot, saved)) == f"{module_sandbox.blogin.base_url}/"
    # Nobody would look there: the message names the whole folder.
    wait_for_saved(qtbot, window, admin, f"Saved {saved.name} to {folder}")
    assert not (tmp_path / "no such folder").exists()


class _CutShort(BaseHTTPRequestHandler):
    """A download that announces 100 000 bytes and sends 10 before the connection closes."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Disposition", 'attachment; filename="cut-short.xml"')
        self.send_header("Content-Length", "100000")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"<metadata/")
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *_args: object) -> None:
        """Requests are not logged to stderr (the test's output stays the test's)."""


@pytest.fixture
def cut_short_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CutShort)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cut-short.xml"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def lone_browser(qtbot: QtBot) -> Iterator[PersonaBrowser]:
    with lone_persona_browser(qtbot, PERSONAS[2], 700, 420) as shown:
        yield shown


def test_a_download_that_breaks_off_says_why(
    qtbot: QtBot, lone_browser: PersonaBrowser, cut_short_server: str, downloads: Path
) -> None:
    said: list[str] = []
    lone_browser.status_message.connect(said.append)
    lone_browser.view.load(QUrl(cut_short_server))
    qtbot.waitUntil(lambda: bool(said), timeout=SAVE_TIMEOUT_MS)
    assert said == ["cut-short.xml was not saved: 127.0.0.1 sent less than it announced."]
    bar = lone_browser.download_bar
    assert bar is not None and bar.isVisible() and said[0] in bar.message.text()
    lone_browser.grab().save(str(downloads.parent / "pane-after-failure.png"))
    # Nothing half-written is left behind.
    qtbot.waitUntil(lambda: not any(downloads.iterdir()), timeout=SAVE_TIMEOUT_MS)


def test_names_are_numbered_before_their_extension(tmp_path: Path) -> None:
    (tmp_path / "metadata.xml").write_text("kept")
    assert free_file_name(tmp_path, "metadata.xml") == "metadata (1).xml"
    assert free_file_name(tmp_path, "metadata.xml", {"metadata (1).xml"}) == "metadata (2).xml"
    assert free_file_name(tmp_path, "../../etc/passwd") == "passwd"
    assert free_file_name(tmp_path, "") == "download"


def test_a_file_inputs_accepted_types_become_the_dialogs_filter() -> None:
    assert file_name_filters([".xml", "application/xml", "text/xml"])[0].startswith("Accepted types (*.xml")
    assert "*.png" in file_name_filters(["image/png", "image/jpeg"])[0]
    assert file_name_filters([]) == []
