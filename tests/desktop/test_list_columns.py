"""The event log, SAML tracer and SCIM traffic lists name their rows whole: an event's summary, a message's
type, an exchange's path, at Normal text on 1280, 1600 and 1800 px and at Extra large on a projector's
1280 × 720, with real SCIM requests to BlogIn and real SAML messages; a path too long for its column keeps
its resource id's end, and the widths the reader gives the columns and panes stay theirs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QStyle, QTableView, QWidget
from pytestqt.qtbot import QtBot

from sandbox.app import Sandbox
from sandbox.blogin.scim.settings import save_status
from sandbox.desktop.event_model import COLUMNS as EVENT_COLUMNS
from sandbox.desktop.event_model import EVENT_TYPE, SUMMARY
from sandbox.desktop.first_layout import DEFAULT_SIZE
from sandbox.desktop.panel_text import EXTRA_LARGE, NORMAL, TextSize
from sandbox.desktop.tracer.model import COLUMNS as TRACER_COLUMNS
from sandbox.desktop.tracer.model import TYPE
from sandbox.desktop.traffic.model import COLUMNS as TRAFFIC_COLUMNS
from sandbox.desktop.traffic.model import METHOD, PATH
from sandbox.desktop.window import WIDE_WINDOW, MainWindow
from sandbox.scim.client import ScimClient
from tests.desktop.conftest import wait_for
from tests.desktop.traffic_fixtures import record_provisioning_run, record_sso_login, saml_parties

pytestmark = pytest.mark.desktop

PROJECTOR = (1280, 720)
USER_NAME = "ada.lovelace@example.com"


def record_user_changes(sandbox: Sandbox, user_name: str) -> None:
    """JumpCloud's SCIM client creates a user in BlogIn, looks it up by userName and changes its title, each
    exchange in JumpCloud's trace log (BlogIn records its side itself)."""
    exchanges: list[dict[str, Any]] = []
    with sandbox.blogin.database.transaction() as session:
        token = str(save_status(session, True, actor="admin@acme.example").token)
    with ScimClient(f"{sandbox.blogin.base_url}/sso/scim/V2", token, on_exchange=exchanges.append) as client:
        body = {"userName": user_name, "name": {"givenName": "Ada", "familyName": "Lovelace"}, "active": True}
        created = client.create_user(body, operation="user_create_provision")
        client.find_user(user_name, operation="user_update_provision")
        title = [{"op": "replace", "path": "title", "value": "Engineer"}]
        client.patch_user(created.id, title, operation="user_update_provision")
    with sandbox.jumpcloud.database.transaction() as session:
        for exchange in exchanges:
            summary = f"{exchange['method']} {exchange['path']} → {exchange['status']}"
            sandbox.jumpcloud.traces.record(session, "scim", summary, exchange, success=True)


@pytest.fixture(scope="module")
def listed(window: MainWindow, module_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> MainWindow:
    """The window with users provisioned, one of them looked up and changed, and an SSO sign-in, listed."""
    record_provisioning_run(module_sandbox, users=2)
    record_user_changes(module_sandbox, USER_NAME)
    record_sso_login(module_sandbox, saml_parties(module_sandbox, tmp_path_factory.mktemp("saml")))
    panels = window.traffic_panels

    def all_listed() -> bool:
        window.bridge.drain()
        paths = {str(panels.scim_model.index(row, PATH).data()) for row in range(panels.scim_model.rowCount())}
        return any(path.startswith("/Users/") for path in paths) and panels.saml_model.rowCount() >= 4

    wait_for(all_listed)
    return window


@pytest.fixture
def at_size(qtbot: QtBot, listed: MainWindow) -> Iterator[MainWindow]:
    """The window; afterwards at Normal text and its default size again."""
    yield listed
    listed.view_controls.text_size_actions[NORMAL.key].trigger()
    listed.resize(*DEFAULT_SIZE)
    qtbot.wait(50)


def settle(qtbot: QtBot) -> None:
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(50)


def show(qtbot: QtBot, window: MainWindow, size: tuple[int, int], text_size: TextSize) -> None:
    """The window at ``size`` with View › Panel text size › ``text_size`` chosen."""
    window.resize(*size)
    settle(qtbot)
    window.view_controls.text_size_actions[text_size.key].trigger()
    settle(qtbot)


def raised(qtbot: QtBot, dock: QWidget) -> None:
    dock.raise_()
    qtbot.waitUntil(dock.isVisible)
    settle(qtbot)


def cut_cells(table: QTableView, column: int) -> list[str]:
    """The cells of ``column`` whose text is wider than the room the column gives it, or out of sight."""
    model = table.model()
    header = table.horizontalHeader()
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    room = header.sectionSize(column) - 2 * margin
    left = header.sectionViewportPosition(column)
    in_sight = left >= 0 and left + header.sectionSize(column) <= table.viewport().width()
    texts = [str(model.index(row, column).data()) for row in range(model.rowCount())]
    return [text for text in texts if not in_sight or table.fontMetrics().horizontalAdvance(text) > room]


def paths(window: MainWindow) -> list[tuple[str, str]]:
    """Every path in the SCIM traffic list, with the text the reader sees for it."""
    traffic = window.traffic_panels.traffic
    model = traffic.model
    rows = range(model.rowCount())
    return [(str(model.index(row, PATH).data()), traffic.table.shown_text(row, PATH)) for row in rows]


def assert_paths_readable(window: MainWindow) -> None:
    """A path is whole, or where too long keeps its start and the end of the resource id or filter."""
    shown = paths(window)
    assert ("/Users", "/Users") in shown
    for path, text in shown:
        if text != path:
            head, _, tail = text.partition("…")
            assert path.startswith(head) and path.endswith(tail) and len(tail) >= 8, (path, text)
            assert head.startswith("/Users"), (path, text)


def test_at_extra_large_on_a_1280_px_window_the_lists_name_their_rows_whole(qtbot: QtBot, at_size: MainWindow) -> None:
    window = at_size
    show(qtbot, window, PROJECTOR, EXTRA_LARGE)
    panels = window.traffic_panels

    raised(qtbot, panels.tracer)
    # "AuthnRequest" and "Response" whole, not "Authn…".
    assert cut_cells(panels.tracer.table, TYPE) == []
    assert not panels.tracer.table.horizontalScrollBar().isVisible()

    raised(qtbot, window.event_log)
    table = window.event_log.table
    assert table.model().rowCount() >= 8
    assert cut_cells(table, SUMMARY) == []
    assert not table.horizontalScrollBar().isVisible()
    # The event type gave way to it, keeping its start and end.
    for row in range(table.model().rowCount()):
        event_type, shown = str(table.model().index(row, EVENT_TYPE).data()), table.shown_text(row, EVENT_TYPE)
        head, _, tail = shown.partition("…")
        assert event_type.startswith(head) and event_type.endswith(tail) and len(head) >= 4, shown
    # The record beside the list keeps room to be read.
    assert window.event_log.splitter.sizes()[1] >= 200

    raised(qtbot, panels.traffic)
    # "/Users" whole; a user's path, too long at this size, as "/Users/9259…9af5f2562881ee3" (not "/U…").
    assert_paths_readable(window)
    assert not panels.traffic.table.horizontalScrollBar().isVisible()
    assert panels.traffic.splitter.sizes()[1] >= 380  # the request and response keep a third


@pytest.mark.parametrize("width", [1280, 1600, WIDE_WINDOW])
def test_at_normal_text_the_lists_name_their_rows_whole(qtbot: QtBot, at_size: MainWindow, width: int) -> None:
    window = at_size
    show(qtbot, window, (width, 900), NORMAL)
    panels = window.traffic_panels
    raised(qtbot, panels.tracer)
    # Every column whole: no short one gives way at Normal.
    for column in range(len(TRACER_COLUMNS)):
        assert cut_cells(panels.tracer.table, column) == [], (width, column)
    raised(qtbot, window.event_log)
    for column in range(len(EVENT_COLUMNS)):
        assert cut_cells(window.event_log.table, column) == [], (width, column)
    raised(qtbot, panels.traffic)
    for column in range(len(TRAFFIC_COLUMNS)):
        if column != PATH:
            assert cut_cells(panels.traffic.table, column) == [], (width, column)
    assert_paths_readable(window)
    # A user's own path whole: /Users/ and the 32 characters of BlogIn's id.
    assert all(text == path for path, text in paths(window) if path.startswith("/Users/")), paths(window)
    for dock in (panels.tracer, window.event_log, panels.traffic):
        assert not dock.table.horizontalScrollBar().isVisible(), (width, dock.objectName())


def test_the_tooltips_give_the_whole_path_and_type(listed: MainWindow) -> None:
    panels = listed.traffic_panels
    model = panels.scim_model
    row = next(r for r in range(model.rowCount()) if str(model.index(r, PATH).data()).startswith("/Users/"))
    tip = str(model.index(row, PATH).data(Qt.ItemDataRole.ToolTipRole))
    assert tip.splitlines()[0] == model.index(row, PATH).data()
    assert "/sso/scim/V2/Users/" in tip.splitlines()[1]
    saml = panels.saml_model
    for row in range(saml.rowCount()):
        assert str(saml.index(row, TYPE).data()) in str(saml.index(row, TYPE).data(Qt.ItemDataRole.ToolTipRole))


def drag(widget: QWidget, start: QPoint, end: QPoint) -> None:
    """Press the left button at ``start`` in ``widget``, move to ``end`` holding it, and let go."""
    left = Qt.MouseButton.LeftButton
    none = Qt.KeyboardModifier.NoModifier
    steps = [
        (QEvent.Type.MouseButtonPress, start, left, left),
        (QEvent.Type.MouseMove, QPoint((start.x() + end.x()) // 2, start.y()), Qt.MouseButton.NoButton, left),
        (QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton, left),
        (QEvent.Type.MouseButtonRelease, end, left, Qt.MouseButton.NoButton),
    ]
    for kind, point, button, buttons in steps:
        local = QPointF(point)
        global_point = QPointF(widget.mapToGlobal(point))
        QApplication.sendEvent(widget, QMouseEvent(kind, local, global_point, button, buttons, none))


def test_a_column_and_divider_the_reader_moved_stay_where_they_left_them(qtbot: QtBot, at_size: MainWindow) -> None:
    window = at_size
    show(qtbot, window, PROJECTOR, NORMAL)
    traffic = window.traffic_panels.traffic
    raised(qtbot, traffic)
    table = traffic.table
    header = table.horizontalHeader()
    # The reader widens Method by dragging its right edge.
    edge = header.sectionViewportPosition(METHOD) + header.sectionSize(METHOD) - 1
    middle = header.height() // 2
    drag(header.viewport(), QPoint(edge, middle), QPoint(edge + 60, middle))
    chosen = header.sectionSize(METHOD)
    assert chosen >= table.sizeHintForColumn(METHOD) + 40
    # And gives the request and response more room, dragging the divider to the left.
    handle = traffic.splitter.handle(1)
    centre = handle.rect().center()
    before = traffic.splitter.sizes()
    drag(handle, centre, centre - QPoint(80, 0))
    divided = traffic.splitter.sizes()
    assert divided[0] < before[0]

    # New exchanges, larger text and back: neither the column nor the divider is taken from them.
    record_user_changes(window.sandbox, "grace.hopper@example.com")
    count = traffic.model.total_count()

    def arrived() -> bool:
        window.bridge.drain()
        return traffic.model.total_count() > count

    qtbot.waitUntil(arrived)
    settle(qtbot)
    assert header.sectionSize(METHOD) == chosen
    window.view_controls.text_size_actions[EXTRA_LARGE.key].trigger()
    settle(qtbot)
    assert traffic.splitter.sizes()[0] <= divided[0] + 2
    window.view_controls.text_size_actions[NORMAL.key].trigger()
    settle(qtbot)
    assert header.sectionSize(METHOD) == chosen
    assert abs(traffic.splitter.sizes()[0] - divided[0]) <= 2


@pytest.mark.parametrize("list_part", [0.55, 0.87], ids=["detail-wider", "list-wider"])
def test_the_event_logs_remembered_panes_come_back_at_normal(
    qtbot: QtBot, at_size: MainWindow, list_part: float
) -> None:
    """The window restores the event log's divider where it was left (its layout file): larger text only ever
    gives the list more, and Normal gives both panes back their parts."""
    window = at_size
    show(qtbot, window, PROJECTOR, NORMAL)
    raised(qtbot, window.event_log)
    splitter = window.event_log.splitter
    total = sum(splitter.sizes())
    remembered = round(total * list_part)
    splitter.setSizes([remembered, total - remembered])  # as MainWindow.restore_layout does
    settle(qtbot)
    window.view_controls.text_size_actions[EXTRA_LARGE.key].trigger()
    settle(qtbot)
    assert splitter.sizes()[0] >= remembered - 2
    window.view_controls.text_size_actions[NORMAL.key].trigger()
    settle(qtbot)
    assert abs(splitter.sizes()[0] - remembered) <= 4, (splitter.sizes(), remembered)
