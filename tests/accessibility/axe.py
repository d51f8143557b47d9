"""Deque's axe-core run inside QtWebEngine, the browser the product embeds, and the page driven by keys.

axe-core is installed by the test set-up (``scripts/test`` → ``ensure_axe_core`` in
``scripts/_bootstrap.sh``) into ``.cache/axe-core``. Without it the accessibility tests fail and say
how to install it: an accessibility check that quietly did not run would read as a pass.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEventLoop, QSize, Qt, QTimer, QUrl
from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
LOAD_TIMEOUT_S = 30.0
AXE_TIMEOUT_S = 60.0
# Impacts that fail a page; the others are printed for the record.
BLOCKING = ("critical", "serious")


def axe_source() -> str:
    """The text of ``axe.min.js``; fails the test with the way to install it when it is missing."""
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core is not installed ({AXE_JS} is missing). Run the tests through scripts/test, which "
            "installs it with npm, or install it by hand: "
            'npm install --no-save --prefix "$PWD/.cache/axe-core" axe-core@4',
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run Qt's event loop until ``condition()`` holds; fail the test with ``what`` after ``timeout_s``."""
    if QCoreApplication.instance() is None:
        raise RuntimeError("wait_for needs a QApplication (request the qapp fixture first)")
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}", pytrace=False)
        QTimer.singleShot(15, loop.quit)
        loop.exec()


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks, with the elements that break it."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"[{self.impact}] {self.rule}: {self.help} ({self.help_url})"]
        for target, detail in zip(self.targets, self.details, strict=True):
            lines.append(f"    {target}: {detail}")
        return "\n".join(lines)


@dataclass(frozen=True)
class AxeReport:
    """What axe-core found on one page."""

    url: str
    violations: list[Violation]

    @property
    def blocking(self) -> list[Violation]:
        """The serious and critical violations: the ones a page must not have."""
        return [v for v in self.violations if v.impact in BLOCKING]

    def describe(self, violations: list[Violation] | None = None) -> str:
        shown = self.violations if violations is None else violations
        if not shown:
            return f"{self.url}: no violations"
        return f"{self.url}:\n" + "\n".join(v.describe() for v in shown)


def _violation(raw: dict[str, Any]) -> Violation:
    nodes = raw.get("nodes", [])
    return Violation(
        rule=str(raw["id"]),
        impact=str(raw.get("impact") or "minor"),
        help=str(raw.get("help", "")),
        help_url=str(raw.get("helpUrl", "")),
        targets=[" ".join(str(part) for part in node.get("target", [])) for node in nodes],
        details=[" ".join(str(node.get("failureSummary") or "").split())[:300] for node in nodes],
    )


_RUN_AXE = """
window.__axeReport = null;
axe.run(document, {resultTypes: ['violations']}).then(
  function (result) { window.__axeReport = JSON.stringify({violations: result.violations}); },
  function (error) { window.__axeReport = JSON.stringify({error: String(error)}); });
true;
"""


# The focused element, and whether it shows a ring (an outline of 2 px or more, or a box shadow).
_FOCUSED = """JSON.stringify((function () {
  const e = document.activeElement;
  if (!e || e === document.body) return {tag: 'body', type: '', name: '', text: '', href: '', ring: false};
  const style = getComputedStyle(e);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
  return {tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '',
          text: (e.getAttribute('aria-label') || e.innerText || e.value || '').trim(),
          href: e.getAttribute('href') || '', ring: ring};
})())"""


# Marks the focused element as passed by Tab; answers whether it is new, the one before (Tab moving
# between the parts of a date field) or one passed earlier (Tab has gone round the page).
_MARK_FOCUSED = """(function () {
  const e = document.activeElement;
  if (!e || e === document.body) return 'body';
  if (e === window.__lastTabbed) return 'same';
  window.__lastTabbed = e;
  if (e.dataset.tabbed) return 'again';
  e.dataset.tabbed = '1';
  return 'new';
})()"""

# The page's first control focused, as the start of a walk with Tab (a field with autofocus would
# otherwise start it half-way down).
_FOCUS_FIRST = """(function () {
  const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea');
  if (!first) return false;
  first.focus();
  first.dataset.tabbed = '1';
  window.__lastTabbed = first;
  return true;
})()"""

# Controls a keyboard user must be able to reach that Tab never reached: shown, enabled, not taken out
# of the tab order, and for radio buttons one per group (Tab enters a group once; arrows move inside).
_UNREACHED = """JSON.stringify((function () {
  const selector = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]),'
    + ' textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const groups = new Set(), missed = [];
  for (const e of document.querySelectorAll(selector)) {
    // Inside a closed <details> or otherwise not rendered: not a control the user can see.
    if (e.tabIndex < 0 || !e.checkVisibility({visibilityProperty: true})) continue;
    if (e.closest('dialog:not([open])')) continue;
    if (e.type === 'radio') {
      if (groups.has(e.name)) continue;
      groups.add(e.name);
      if (Array.from(document.getElementsByName(e.name)).some(r => r.dataset.tabbed)) continue;
    }
    if (!e.dataset.tabbed) missed.push(e.outerHTML.slice(0, 120));
  }
  // What looks like a button, or a row that opens a page on a click, must be reachable too.
  for (const e of document.querySelectorAll('.btn')) {
    if (e.tabIndex >= 0 || e.disabled || e.getAttribute('aria-disabled') === 'true') continue;
    if (e.tagName === 'LABEL' && e.control && e.control.dataset.tabbed) continue;  // its field is reached
    if (e.checkVisibility({visibilityProperty: true})) missed.push(e.outerHTML.slice(0, 120));
  }
  for (const row of document.querySelectorAll('tr[onclick], tr[data-href]')) {
    if (!row.querySelector('a[href]')) missed.push(row.outerHTML.slice(0, 120));
  }
  return missed;
})())"""


# The page's count of released keys, its listener added on the first call.
_COUNT_KEYS = """(function () {
  if (window.__keysUp === undefined) {
    window.__keysUp = 0;
    window.addEventListener('keyup', function () { window.__keysUp += 1; }, true);
  }
  return window.__keysUp;
})()"""


class PortalBrowser:
    """A QtWebEngine view with cookies of its own (an off-the-record profile), as one persona's browser."""

    def __init__(self, width: int = 1280, height: int = 860) -> None:
        self.profile = QWebEngineProfile()
        self.page = QWebEnginePage(self.profile)
        self.view = QWebEngineView()
        self.view.setPage(self.page)
        self.view.resize(QSize(width, height))
        self.view.show()
        self._loads = 0
        self._last_ok = False
        self.view.loadFinished.connect(self._finished)

    def _finished(self, ok: bool) -> None:
        self._loads += 1
        self._last_ok = ok

    def close(self) -> None:
        """Free the page before its profile, as QtWebEngine asks."""
        self.view.close()
        shiboken6.delete(self.view)
        shiboken6.delete(self.page)
        shiboken6.delete(self.profile)

    @property
    def url(self) -> str:
        return self.view.url().toString()

    def resize(self, width: int, height: int = 860) -> None:
        """The view at ``width`` CSS pixels wide (a persona pane is about 520); pages load at that width.

        The view is brought to the front first: Chromium does not lay out a view it counts as hidden
        behind another window until it is shown again.
        """
        self.view.show()
        self.view.raise_()
        self.view.activateWindow()
        self.view.resize(QSize(width, height))

    def load(self, url: str) -> None:
        """Open ``url`` and wait until it has loaded and is laid out at the view's width."""
        before = self._loads
        self.view.load(QUrl(url))
        wait_for(lambda: self._loads > before, LOAD_TIMEOUT_S, f"{url} to load")
        width = self.view.width()
        wait_for(lambda: self.js("window.innerWidth") == width, 10, f"{url} to be laid out {width} px wide")

    def wait_for_navigation(self, action: Callable[[], None], what: str) -> None:
        """Do ``action`` (a click, a key) and wait for the page it leads to."""
        before = self._loads
        action()
        wait_for(lambda: self._loads > before, LOAD_TIMEOUT_S, what)

    def js(self, script: str) -> Any:
        """The value of ``script`` run in the page's own world.

        A script sent while the page is being replaced (a redirect, a form posting itself) can be dropped
        with the old document, and its answer never comes: it is sent again every 2 s, for 10 s in all.
        """
        deadline = time.monotonic() + 10
        loop = QEventLoop()
        while True:
            results: list[Any] = []
            self.page.runJavaScript(script, 0, results.append)
            asked = time.monotonic()
            while not results and time.monotonic() - asked < 2:
                QTimer.singleShot(15, loop.quit)
                loop.exec()
            if results:
                return results[0]
            if time.monotonic() > deadline:
                pytest.fail("timed out after 10 s waiting for a script to answer", pytrace=False)

    def text(self) -> str:
        """The visible text of the page."""
        return str(self.js("document.body ? document.body.innerText : ''"))

    def axe(self) -> AxeReport:
        """Inject axe-core into the page and run every rule it has (WCAG A/AA and best practices)."""
        if not self.js("typeof window.axe === 'object'"):
            self.js(axe_source() + "\n;true;")
        self.js(_RUN_AXE)
        wait_for(lambda: bool(self.js("window.__axeReport !== null")), AXE_TIMEOUT_S, "axe-core's report")
        report = json.loads(self.js("window.__axeReport"))
        if "error" in report:
            pytest.fail(f"axe-core could not check {self.url}: {report['error']}", pytrace=False)
        return AxeReport(self.url, [_violation(raw) for raw in report["violations"]])

    def page_overflow(self) -> int:
        """How many CSS pixels the page is wider than the window (0 when it reflows)."""
        return int(self.js("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"))

    def screenshot(self, path: Path) -> None:
        self.view.grab().save(str(path))

    # -- keys ----------------------------------------------------------------------------------

    @property
    def key_target(self) -> QWidget:
        """The widget QtWebEngine reads keys from (the render widget behind the view)."""
        proxy = self.view.focusProxy()
        return proxy if proxy is not None else self.view

    def focused(self) -> dict[str, Any]:
        """What has the keyboard focus in the page: tag, type, name, accessible text, href and its ring."""
        return dict(json.loads(self.js(_FOCUSED)))

    def take_keyboard(self) -> None:
        """Give this view the keyboard, as a click on its window would.

        Done only when it has lost it: Chromium answers a focus change by moving the page's own focus,
        which would spoil a walk with Tab half-way.
        """
        if self.key_target.hasFocus():
            return
        self.view.activateWindow()
        self.key_target.setFocus()
        self.js("true")

    def _keys_seen(self) -> int:
        """How many keys the page has seen released (counted from the first call on each page)."""
        return int(self.js(_COUNT_KEYS))

    def _after_keys(self, count: int, send: Callable[[], None], wait: bool) -> None:
        # Keys reach the page on another channel than scripts do: a script run straight after a key
        # can answer from before it. Waiting for the page's own keyup of each key closes that gap.
        self.take_keyboard()
        before = self._keys_seen() if wait else 0
        send()
        if wait:
            wait_for(lambda: self._keys_seen() >= before + count, 10, "the page to take the keys")

    def press(
        self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier, *, wait: bool = True
    ) -> None:
        """One key, and (unless it leaves the page, ``wait=False``) the page done with it."""
        from pytestqt.qtbot import QtBot

        self._after_keys(1, lambda: QtBot.keyClick(self.key_target, key, modifier), wait)

    def type_text(self, text: str) -> None:
        """``text`` typed into the focused field."""
        from pytestqt.qtbot import QtBot

        self._after_keys(len(text), lambda: QtBot.keyClicks(self.key_target, text), True)

    def tab_to(self, matches: Callable[[dict[str, Any]], bool], what: str, limit: int = 80) -> dict[str, Any]:
        """Press Tab until the focused element ``matches``; fail if ``limit`` presses never reach it.

        Every element passed on the way must show a focus ring, since a keyboard user sees nothing else.
        """
        for _ in range(limit):
            self.press(Qt.Key.Key_Tab)
            focused = self.focused()
            if focused["tag"] != "body":
                assert focused["ring"], f"no visible focus ring on {focused} at {self.url}"
            if matches(focused):
                return focused
        pytest.fail(f"{limit} presses of Tab never reached {what} on {self.url}", pytrace=False)

    def tab_through(self, limit: int = 400) -> list[str]:
        """Press Tab from the top of the page to its end; what a keyboard user would miss, if anything.

        Each control passed must show a focus ring; Tab must leave every control (no trap) and reach
        every control the page shows.
        """
        problems: list[str] = []
        self.take_keyboard()
        if not self.js(_FOCUS_FIRST):
            return problems
        stuck = 0
        for _ in range(limit):
            self.press(Qt.Key.Key_Tab)
            step = self.js(_MARK_FOCUSED)
            # A date field takes a few presses to cross its parts; more than that is a trap.
            stuck = stuck + 1 if step == "same" else 0
            if stuck > 8:
                problems.append(f"Tab does not leave {self.focused()}")
                break
            if step == "same":
                continue
            if step != "new":
                break
            focused = self.focused()
            if not focused["ring"]:
                problems.append(f"no focus ring on {focused}")
        else:
            problems.append(f"Tab was still finding new controls after {limit} presses")
        problems.extend(f"never reached by Tab: {html}" for html in json.loads(self.js(_UNREACHED)))
        return problems


#: a persona pane's width in CSS pixels; pages must fit it without scrolling sideways
NARROW = 520


def keep_screenshot(browser: PortalBrowser, name: str) -> None:
    """With SANDBOX_A11Y_SCREENSHOTS naming a directory, a PNG of the page as checked is kept there."""
    shots = os.environ.get("SANDBOX_A11Y_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        browser.screenshot(Path(shots) / f"{name}.png")


def check_page(browser: PortalBrowser, name: str, width: int, screenshot: str) -> None:
    """What every page passes once settled: no serious or critical axe-core finding (the others are printed
    for the record), exactly one h1 (a screen reader's list of headings starts there) and, at a persona
    pane's width, no sideways scrolling."""
    wait_for(lambda: browser.js("document.readyState") == "complete", 10, "the page to settle")
    report = browser.axe()
    keep_screenshot(browser, screenshot)
    print(report.describe())  # the moderate and minor findings, for the record
    assert not report.blocking, report.describe(report.blocking)
    assert browser.js("document.querySelectorAll('h1').length") == 1, f"{name} has no single h1"
    if width <= NARROW:
        assert browser.page_overflow() == 0, f"{name} scrolls sideways at {width} px"


Focused = Callable[[dict[str, Any]], bool]


def link(text: str) -> Focused:
    """The focused element is the link reading ``text``."""
    return lambda focused: focused["tag"] == "a" and focused["text"] == text


def button(text: str) -> Focused:
    """The focused element is the button reading ``text``."""
    return lambda focused: focused["tag"] == "button" and focused["text"] == text


def field(name: str) -> Focused:
    """The focused element is the form field ``name``."""
    return lambda focused: focused["name"] == name


def follow(browser: PortalBrowser, what: str) -> None:
    """Enter on the focused link or button, and wait for the page it opens."""
    browser.wait_for_navigation(lambda: browser.press(Qt.Key.Key_Return, wait=False), what)


def fill(browser: PortalBrowser, name: str, text: str) -> None:
    """Tab to the field ``name``, clear what it holds and type ``text``."""
    browser.tab_to(field(name), f"the {name} field")
    browser.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    browser.press(Qt.Key.Key_Backspace)
    browser.type_text(text)
    assert browser.js(f"document.activeElement.value === {text!r}"), f"{name} did not take the typed text"
