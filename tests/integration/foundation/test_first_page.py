"""The End User's first page, answered on JumpCloud's port before the systems load, as JumpCloud answered it.

A start that keeps the first page (the desktop's) records what JumpCloud's app answers for the User
Console, its login page and the files that page links; the next start answers those from the bound port
straight away, to a browser without a cookie, and every other request waits until its system serves.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.app import Sandbox
from sandbox.first_page import FILE_NAME, load
from sandbox.http import http_client
from sandbox.settings import JUMPCLOUD_HOST, Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", jumpcloud_port=0, blogin_port=0)


@pytest.fixture
def recorded(settings: Settings) -> dict[str, httpx.Response]:
    """A first start that keeps the first page; what its JumpCloud answered, page by page."""
    with Sandbox(settings, first_page=True) as first, http_client() as client:
        base = first.jumpcloud.base_url
        answers = {path: client.get(f"{base}{path}") for path in ("/userconsole", "/userconsole/login")}
        for path in ("/static/jumpcloud.css", "/static/userconsole.css", "/static/jumpcloud-logo.svg"):
            answers[path] = client.get(f"{base}{path}")
    assert (settings.data_dir / FILE_NAME).is_file()
    return answers


@pytest.fixture
def bound(settings: Settings, recorded: dict[str, httpx.Response]) -> Iterator[Sandbox]:
    """A second start with only its ports bound: no system loaded, no database open."""
    second = Sandbox(settings, first_page=True)
    second.bind_ports()
    try:
        yield second
    finally:
        second.stop()


def _later(request: httpx.Request) -> tuple[threading.Thread, list[httpx.Response | Exception]]:
    """``request`` sent in a thread of its own: it waits for the system."""
    answers: list[httpx.Response | Exception] = []

    def send() -> None:
        with http_client(timeout=30) as client:
            try:
                answers.append(client.send(request))
            except Exception as error:  # the test reads it
                answers.append(error)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, answers


def test_the_login_page_is_answered_before_the_systems_load_as_jumpcloud_answered_it(
    bound: Sandbox, recorded: dict[str, httpx.Response]
) -> None:
    assert bound.answers_first_page and not bound.opened
    base = bound.addresses["jumpcloud"].base_url
    with http_client() as client:
        console = client.get(f"{base}/userconsole")
        assert console.status_code == 302 and console.headers["location"] == "/userconsole/login"
        page = client.get(f"{base}/userconsole/login")
        assert page.status_code == 200
        assert page.content == recorded["/userconsole/login"].content
        assert "User Console" in page.text and 'name="password"' in page.text
        assert page.headers["content-type"] == recorded["/userconsole/login"].headers["content-type"]
        for path in ("/static/jumpcloud.css", "/static/userconsole.css", "/static/jumpcloud-logo.svg"):
            answer = client.get(f"{base}{path}")
            assert answer.status_code == 200 and answer.content == recorded[path].content, path
    assert not bound.opened


def test_anything_else_waits_for_its_system_and_is_then_answered_by_it(bound: Sandbox) -> None:
    jumpcloud, blogin = bound.addresses["jumpcloud"], bound.addresses["blogin"]
    waiting = [
        # a login posted from the page, a login page asked for a sign-in, a visitor with a cookie, another host
        httpx.Request("POST", f"{jumpcloud.base_url}/userconsole/login", data={"login": "nobody", "password": "x"}),
        httpx.Request("GET", f"{jumpcloud.base_url}/userconsole/login?again=1"),
        httpx.Request("GET", f"{jumpcloud.base_url}/userconsole/login", headers={"Cookie": "jumpcloud_session=x"}),
        httpx.Request("GET", f"http://127.0.0.1:{jumpcloud.port}/userconsole/login"),
        httpx.Request("GET", f"{jumpcloud.base_url}/health"),
        httpx.Request("GET", f"{blogin.base_url}/login"),
    ]
    sent = [_later(request) for request in waiting]
    time.sleep(0.5)  # time enough for any of them to be answered, were it going to be
    for thread, answers in sent:
        assert thread.is_alive() and not answers, "answered before its system serves"
    bound.open_systems()
    bound.serve("jumpcloud")
    bound.serve("blogin")
    for (thread, answers), request in zip(sent, waiting, strict=True):
        thread.join(timeout=30)
        answer = answers[0]
        assert isinstance(answer, httpx.Response), f"{request.url}: {answer!r}"
        assert answer.status_code < 500, f"{request.url}: {answer.status_code}"
    posted = answers_of(sent[0])
    assert posted.status_code == 401 and "User Console" in posted.text  # the app's own answer to a wrong login
    assert answers_of(sent[4]).json() == {"status": "ok", "system": "jumpcloud"}


def answers_of(sent: tuple[threading.Thread, list[httpx.Response | Exception]]) -> httpx.Response:
    answer = sent[1][0]
    assert isinstance(answer, httpx.Response)
    return answer


def test_a_request_still_waiting_when_the_sandbox_stops_is_told_so(bound: Sandbox) -> None:
    thread, answers = _later(httpx.Request("GET", f"{bound.addresses['blogin'].base_url}/login"))
    thread.join(timeout=0.3)
    bound.stop()
    thread.join(timeout=10)
    answer = answers[0]
    assert isinstance(answer, httpx.Response)
    assert answer.status_code == 503 and answer.text == "BlogIn is not running."


def test_pages_kept_by_other_code_are_not_answered(settings: Settings, recorded: dict[str, httpx.Response]) -> None:
    kept = settings.data_dir / FILE_NAME
    assert load(settings.data_dir, JUMPCLOUD_HOST) is not None
    stored = json.loads(kept.read_text())
    stored["code"] = "an earlier version"
    kept.write_text(json.dumps(stored))
    assert load(settings.data_dir, JUMPCLOUD_HOST) is None
    kept.write_text("{not json")
    assert load(settings.data_dir, JUMPCLOUD_HOST) is None
    second = Sandbox(settings, first_page=True)
    second.bind_ports()
    try:
        assert not second.answers_first_page
    finally:
        second.stop()
    # The next start that serves JumpCloud records the page again, for the code running now.
    with Sandbox(settings, first_page=True):
        pass  # a whole run: both systems served, then stopped
    assert load(settings.data_dir, JUMPCLOUD_HOST) is not None


def test_a_page_kept_by_this_code_is_not_written_again(settings: Settings, recorded: dict[str, httpx.Response]) -> None:
    kept = settings.data_dir / FILE_NAME
    written = kept.stat().st_mtime_ns
    with Sandbox(settings, first_page=True) as again:
        assert again.answers_first_page
    assert kept.stat().st_mtime_ns == written


def test_a_start_that_does_not_keep_the_first_page_writes_nothing(settings: Settings) -> None:
    with Sandbox(settings):
        pass  # a whole run (as `sso-sandbox serve` and the tests make): both systems served, then stopped
    assert not (settings.data_dir / FILE_NAME).exists()
