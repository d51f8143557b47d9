"""What the screen shows while both systems start: a small card, gone once the window is up.

The window appears only once JumpCloud serves, a second or more after launch on a small machine.
Until then the splash says what is happening, so a launch is never met by nothing on screen. It is
painted by Qt alone (no web page), in the event loop the start-up already runs while it waits.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QWidget

# The persona headers' colours (``sandbox.desktop.personas``, which loads the app with it: not before the
# worker has imported it).
JUMPCLOUD_TEAL = "#1a9d9b"
BLOGIN_ORANGE = "#ff6a3d"
WIDTH, HEIGHT = 440, 170
STARTING = "Starting JumpCloud and BlogIn on this machine…"


def _card() -> QPixmap:
    pixmap = QPixmap(WIDTH, HEIGHT)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    outline = QPainterPath()
    outline.addRoundedRect(QRectF(0.5, 0.5, WIDTH - 1, HEIGHT - 1), 10, 10)
    painter.fillPath(outline, QColor("#ffffff"))
    painter.setPen(QPen(QColor("#cfd6df"), 1))
    painter.drawPath(outline)
    # The two systems' colours, as the persona headers carry them.
    for index, colour in enumerate((JUMPCLOUD_TEAL, BLOGIN_ORANGE)):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawEllipse(QRectF(28 + index * 22, 36, 16, 16))
    title = QFont(painter.font())
    title.setPointSizeF(18)
    title.setWeight(QFont.Weight.DemiBold)
    painter.setFont(title)
    painter.setPen(QColor("#1f2933"))
    painter.drawText(QRectF(80, 24, WIDTH - 100, 40), Qt.AlignmentFlag.AlignVCenter, "SSO Sandbox")
    body = QFont(painter.font())
    body.setPointSizeF(10)
    body.setWeight(QFont.Weight.Normal)
    painter.setFont(body)
    painter.setPen(QColor("#52606d"))
    painter.drawText(
        QRectF(28, 80, WIDTH - 56, 60),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
        "Rehearse the JumpCloud → BlogIn integration: SAML single sign-on and SCIM provisioning.",
    )
    painter.setPen(QColor(JUMPCLOUD_TEAL))
    painter.drawText(
        QRectF(28, HEIGHT - 46, WIDTH - 56, 24), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, STARTING
    )
    painter.end()
    return pixmap


class StartupSplash(QLabel):
    """The card shown from the moment Qt is up until the window replaces it.

    A plain frameless window rather than ``QSplashScreen``: showing that waits for the window system to
    expose it (up to a second on a platform that never does, such as offscreen) with the interpreter
    lock held, which would hold back every other part of the start.
    """

    def __init__(self) -> None:
        super().__init__(
            None,
            Qt.WindowType.SplashScreen | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint,
        )
        self.setObjectName("startupSplash")
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setPixmap(_card())
        self.setFixedSize(WIDTH, HEIGHT)
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            self.move(area.center().x() - WIDTH // 2, area.center().y() - HEIGHT // 2)

    def message(self) -> str:
        """What the card says is happening."""
        return STARTING

    def hand_over_to(self, window: QWidget) -> None:
        """Close now that ``window`` is shown."""
        if window.isVisible():
            self.close()
            self.deleteLater()  # its pixmap and backing store are not needed again
