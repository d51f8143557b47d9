"""Driving a persona's browser as a person does: mouse clicks at an element's place, keys typed.

Pages are only read through JavaScript (where an element is, what the page says); every action is a
real input event sent to the web view's render widget, so the browser runs its own event handlers,
form submission and navigation exactly as for a person at the keyboard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDeadlineTimer, QEventLoop, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from sandbox.desktop.browser import PersonaBrowser

#: how long one step may take: a page or a few (an SSO sign-in is several, with a signature made and
#: checked), 1-2 s on an idle machine. Generous because a wait that passes costs nothing more: with the
#: test's processes held to a tenth of a core, an IdP-initiated sign-in's hand-off page alone took over
#: 20 s, and CI runs these tests on two busy cores beside another worker.
STEP_TIMEOUT_MS = 60_000
#: a script that only reads the page is given this long to answer on a busy machine, and sent again
#: every :data:`RESEND_MS` in case the page it went to was replaced
READ_TIMEOUT_MS = 10_000
RESEND_MS = 2_000
#: a click meant to open another page is given this long to start loading it before it is made again
CLICK_AGAIN_MS = 10_000


class PageNotReady(AssertionError):
    """What the test waited for did not appear; the message says what the page showed instead."""


def spin(milliseconds: int) -> None:
    """Let Qt and the browser run for a moment."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def evaluate(browser: PersonaBrowser, script: str, timeout_ms: int = 5_000, resend_ms: int = 0) -> Any:
    """The value of ``script`` in the persona's current page (JSON-compatible values only).

    Raises ``TimeoutError`` when the page does not answer. A script sent while the page is being replaced
    gets no answer (it goes with the old document): with ``resend_ms``, for scripts that only read, it is
    sent again that often, and the first answer to any of the sends is taken, so that a busy page that
    answers late is not given up on while a replaced one is asked again.
    """
    result: list[Any] = []
    browser.page.runJavaScript(script, 0, result.append)
    deadline = QDeadlineTimer(timeout_ms)
    resend = QDeadlineTimer(resend_ms or timeout_ms)
    while not result:
        if deadline.hasExpired():
            raise TimeoutError(script[:80])
        if resend_ms and resend.hasExpired():
            browser.page.runJavaScript(script, 0, result.append)
            resend = QDeadlineTimer(resend_ms)
        spin(10)
    return result[0]


def reload_page(browser: PersonaBrowser, timeout_ms: int = 0) -> None:
    """Click the persona's reload button and wait until the new document has loaded.

    A ``loadFinished`` signal is not enough: one from an earlier navigation can still be on its way.
    The old document is marked first, so only a page without the mark counts.
    """
    evaluate(browser, "window.sandboxBeforeReload = true")
    browser.reload_button.click()
    deadline = QDeadlineTimer(timeout_ms or STEP_TIMEOUT_MS)
    while True:
        try:
            loaded = "!window.sandboxBeforeReload && document.readyState === 'complete'"
            if evaluate(browser, loaded, READ_TIMEOUT_MS, resend_ms=1_000):
                return
        except TimeoutError:
            pass  # the document is being replaced: ask the new one
        if deadline.hasExpired():
            raise PageNotReady(f"the reload of {browser.view.url().toString()} did not finish")
        spin(50)


def visible_text(browser: PersonaBrowser) -> str:
    """What the person reads on the page ('' while a page is being replaced)."""
    try:
        value = evaluate(browser, "document.body ? document.body.innerText : ''", READ_TIMEOUT_MS, RESEND_MS)
    except TimeoutError:
        return ""
    return str(value or "")


def wait_for_page(
    browser: PersonaBrowser,
    *texts: str,
    host: str | None = None,
    path: str | None = None,
    query: str | None = None,
    timeout_ms: int = 0,
) -> str:
    """Wait until the persona's page is at ``host``, ``path`` and ``query`` and shows all ``texts``; its text."""
    deadline = QDeadlineTimer(timeout_ms or STEP_TIMEOUT_MS)
    text = ""
    while True:
        url = browser.view.url()
        at = (host is None or url.host() == host) and (path is None or url.path() == path)
        if at and (query is None or url.query() == query):
            text = visible_text(browser)
            if all(wanted in text for wanted in texts):
                return text
        if deadline.hasExpired():
            raise PageNotReady(f"waited for {texts} at {host or ''}{path or ''}; at {url.toString()}: {text[:600]!r}")
        spin(50)


@dataclass(frozen=True)
class Target:
    """An element to act on: a CSS selector, and optionally the text it shows (whitespace folded)."""

    selector: str
    text: str | None = None
    contains: bool = False

    def script(self) -> str:
        """JavaScript scrolling the element into view and answering its centre in viewport pixels."""
        return f"""(function () {{
  const wanted = {json.dumps(self.text)}, contains = {json.dumps(self.contains)};
  // Until the page has loaded, its stylesheets may still move the element.
  if (document.readyState !== 'complete') return null;
  const shown = el => (el.innerText || el.value || '').replace(/\\s+/g, ' ').trim();
  const el = Array.from(document.querySelectorAll({json.dumps(self.selector)})).find(el =>
    el.getClientRects().length > 0 &&
    (wanted === null || (contains ? shown(el).includes(wanted) : shown(el) === wanted)));
  if (!el) return null;
  el.scrollIntoView({{block: 'center', inline: 'nearest'}});
  const r = el.getBoundingClientRect();
  return JSON.stringify({{x: r.left + r.width / 2, y: r.top + r.height / 2}});
}})()"""

    def __str__(self) -> str:
        return f"{self.selector} {self.text!r}" if self.text is not None else self.selector


def _render_widget(browser: PersonaBrowser) -> QWidget:
    widget = browser.view.focusProxy()
    assert widget is not None, "the web view has no render widget yet"
    return widget


def locate(browser: PersonaBrowser, target: Target, timeout_ms: int = 0) -> QPoint:
    """Where ``target`` is on the web view, waiting until the page shows it."""
    deadline = QDeadlineTimer(timeout_ms or STEP_TIMEOUT_MS)
    while True:
        try:
            found = evaluate(browser, target.script(), READ_TIMEOUT_MS, RESEND_MS)
        except TimeoutError:
            found = None
        if found:
            centre = json.loads(found)
            zoom = browser.view.zoomFactor()
            return QPoint(round(centre["x"] * zoom), round(centre["y"] * zoom))
        if deadline.hasExpired():
            raise PageNotReady(f"no {target} on {browser.view.url().toString()}: {visible_text(browser)[:600]!r}")
        spin(50)


def click(browser: PersonaBrowser, selector: str, text: str | None = None, *, contains: bool = False) -> None:
    """Move the mouse onto the element and click it with the left button."""
    point = locate(browser, Target(selector, text, contains))
    widget = _render_widget(browser)
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    QTest.mouseMove(widget, point)
    spin(30)
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    spin(30)


def follow(browser: PersonaBrowser, selector: str, text: str | None = None, *, contains: bool = False) -> None:
    """Click a link (or a form's button) that opens another page; return once that page has begun to load.

    A click can land before the page is ready for it (its first frame not on screen yet, a late style
    sheet moving the element) and then nothing happens; a person clicks again, and so does this, but
    only while no page has begun to load, so it never starts a second navigation.
    """
    started: list[bool] = []

    def began() -> None:
        started.append(True)

    browser.view.loadStarted.connect(began)
    try:
        deadline = QDeadlineTimer(STEP_TIMEOUT_MS)
        while True:
            click(browser, selector, text, contains=contains)
            again = QDeadlineTimer(CLICK_AGAIN_MS)
            while not started and not again.hasExpired():
                spin(20)
            if started:
                return
            if deadline.hasExpired():
                raise PageNotReady(f"clicking {Target(selector, text, contains)} opened nothing")
    finally:
        browser.view.loadStarted.disconnect(began)


def type_into(browser: PersonaBrowser, selector: str, text: str) -> None:
    """Click into a field, select what it holds and type ``text`` over it, key by key."""
    focused = f"document.activeElement === document.querySelector({json.dumps(selector)})"
    deadline = QDeadlineTimer(STEP_TIMEOUT_MS)
    click(browser, selector)
    while not evaluate(browser, focused, READ_TIMEOUT_MS, RESEND_MS):
        # A click can land while the page still moves (a late stylesheet); a person would click again.
        if deadline.hasExpired():
            raise PageNotReady(f"clicking {selector} did not put the cursor in it")
        spin(100)
        click(browser, selector)
    widget = _render_widget(browser)
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)
    read = f"(document.querySelector({json.dumps(selector)}) || {{}}).value"
    while (value := evaluate(browser, read, READ_TIMEOUT_MS, RESEND_MS)) != text:
        if deadline.hasExpired():
            raise PageNotReady(
                f"typed {text!r} into {selector}, the field holds {value!r} at {browser.view.url().toString()}"
            )
        spin(20)


def press_enter(browser: PersonaBrowser) -> None:
    """Press Return in the focused field (submits its form, as in any browser)."""
    QTest.keyClick(_render_widget(browser), Qt.Key.Key_Return)


def go_to(browser: PersonaBrowser, address: str) -> None:
    """Type ``address`` into the persona's address field, press Return and wait for the page to load."""
    loaded: list[bool] = []
    browser.view.loadFinished.connect(loaded.append)
    try:
        field = browser.address
        field.setFocus(Qt.FocusReason.MouseFocusReason)
        QTest.mouseClick(field, Qt.MouseButton.LeftButton)
        QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClicks(field, address)
        QTest.keyClick(field, Qt.Key.Key_Return)
        deadline = QDeadlineTimer(STEP_TIMEOUT_MS)
        while not loaded:
            if deadline.hasExpired():
                raise PageNotReady(f"{address} did not load")
            spin(20)
    finally:
        browser.view.loadFinished.disconnect(loaded.append)


def click_into_page(browser: PersonaBrowser, selector: str = "h1, h2") -> QWidget:
    """Click on the page's first heading (text, never a link), so that the page has the keyboard.

    Returns the widget that then has the keyboard: the web view's render widget.
    """
    click(browser, selector)
    widget = _render_widget(browser)
    deadline = QDeadlineTimer(STEP_TIMEOUT_MS)
    while not widget.hasFocus():
        if deadline.hasExpired():
            raise PageNotReady(f"clicking {selector} did not give the page the keyboard")
        spin(20)
    return widget
