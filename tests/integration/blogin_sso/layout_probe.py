"""Measure pages as QtWebEngine lays them out, in a process of its own (no QApplication in the test process).

Tests call :func:`measure`. It runs this file as ``python layout_probe.py`` with a JSON document on stdin:
``{"sign_in": URL, "pages": [{"url": URL, "width": PX, "script": JS}]}``. ``sign_in`` is loaded first (a sign-in
link sets the session cookie); each page is then loaded at ``width`` px (and ``zoom``, 1 unless given) and
``script``, an expression, is evaluated in it. Prints the expressions' values as one JSON list.

``sign_in`` and a page may also be dicts: ``{"url": URL, "form": {name: value}}`` posts the form there (as an
identity provider's hand-off page posts a SAML Response to an ACS URL, from another site); ``{"url": URL, "fill":
{name: value}}`` loads the page, fills its form's fields and submits it from the page, as a person logs in. The
answer is the page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from PySide6.QtWebEngineCore import QWebEngineHttpRequest

# Fills the page's form's fields by name and submits it.
SUBMIT = """(() => { const fields = %s; let form = null;
  for (const [name, value] of Object.entries(fields)) {
    const field = document.querySelector(`[name="${name}"]`); field.value = value; form = field.form; }
  form.requestSubmit(); })()"""


def measure(sign_in: str | dict[str, Any], pages: list[dict[str, Any]], timeout: float = 90) -> list[Any]:
    """Each page's ``script`` value, measured in one QtWebEngine process that loaded ``sign_in`` first."""
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QTWEBENGINE_DISABLE_SANDBOX": "1"}
    done = subprocess.run(
        [sys.executable, str(Path(__file__))],
        input=json.dumps({"sign_in": sign_in, "pages": pages}),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results: list[Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(results) == len(pages), done.stderr[-2000:]
    return results


def request(target: dict[str, Any]) -> QWebEngineHttpRequest:
    """A GET of ``target``'s URL, or a POST of its ``form`` (URL-encoded) when it has one."""
    from PySide6.QtCore import QByteArray, QUrl
    from PySide6.QtWebEngineCore import QWebEngineHttpRequest

    if "form" not in target:
        return QWebEngineHttpRequest(QUrl(target["url"]))
    posted = QWebEngineHttpRequest(QUrl(target["url"]), QWebEngineHttpRequest.Method.Post)
    posted.setHeader(QByteArray(b"Content-Type"), QByteArray(b"application/x-www-form-urlencoded"))
    posted.setPostData(QByteArray(urlencode(target["form"]).encode()))
    return posted


def main() -> None:
    from PySide6 import QtWebEngineWidgets  # before the QApplication exists
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    order = json.load(sys.stdin)
    app = QApplication([])
    view = QtWebEngineWidgets.QWebEngineView()
    view.resize(1280, 860)
    view.show()
    sign_in = order["sign_in"]
    # The sign-in is a page no script measures; the pages after it are measured by theirs.
    pages: list[dict[str, Any]] = [{"url": sign_in} if isinstance(sign_in, str) else dict(sign_in), *order["pages"]]
    results: list[Any] = []
    current: dict[str, Any] = {}

    def measured(value: str) -> None:
        results.append(json.loads(value) if value else None)
        next_page()

    def loaded(ok: bool) -> None:
        if current.pop("submit", None) is not None:
            # The page's own form, posted from the page (its origin sent with it, as a person's browser does):
            # the page it answers with is the one to measure.
            view.page().runJavaScript(SUBMIT % json.dumps(current["fill"]))
            return
        if "script" not in current:
            next_page()
            return
        # Fonts and layout settle a moment after the load ends.
        QTimer.singleShot(300, lambda: view.page().runJavaScript(f"JSON.stringify({current['script']})", measured))

    def next_page() -> None:
        if not pages:
            app.quit()
            return
        current.clear()
        current.update(pages.pop(0))
        if "fill" in current:
            current["submit"] = True
        view.resize(int(current.get("width", 1280)), 860)
        # A trainer's Ctrl+= (125 %): the page is laid out in width / zoom CSS pixels.
        view.setZoomFactor(float(current.get("zoom", 1)))
        view.load(request(current))

    view.loadFinished.connect(loaded)
    next_page()
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
