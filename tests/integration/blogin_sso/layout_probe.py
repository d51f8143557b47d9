"""Measure pages as QtWebEngine lays them out, in a process of its own (no QApplication in the test process).

Run as ``python layout_probe.py`` with a JSON document on stdin: ``{"sign_in": URL, "pages": [{"url": URL,
"width": PX, "script": JS}]}``. ``sign_in`` is loaded first (a sign-in link sets the session cookie); each page is
then loaded at ``width`` px and ``script``, an expression, is evaluated in it. Prints the expressions' values as
one JSON list.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from PySide6 import QtWebEngineWidgets  # before the QApplication exists
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import QApplication


def main() -> None:
    order = json.load(sys.stdin)
    app = QApplication([])
    view = QtWebEngineWidgets.QWebEngineView()
    view.resize(1280, 860)
    view.show()
    pages: list[dict[str, Any]] = list(order["pages"])
    results: list[Any] = []
    current: dict[str, Any] = {}

    def measured(value: str) -> None:
        results.append(json.loads(value) if value else None)
        next_page()

    def loaded(ok: bool) -> None:
        if not current:
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
        view.resize(int(current["width"]), 860)
        view.load(QUrl(current["url"]))

    view.loadFinished.connect(loaded)
    view.load(QUrl(order["sign_in"]))
    QTimer.singleShot(60_000, app.quit)
    app.exec()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
