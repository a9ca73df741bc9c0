"""Draw the app icon (a shield with "CSE") and write cse-toolkit.png and cse-toolkit.ico.

Run from the repository root when the design changes; the outputs are committed:

    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/icons/make_icons.py

Drawn with Qt's QPainter (no Pillow, no artwork from elsewhere). The .ico holds PNG-compressed
images at the sizes Windows asks for (Vista and later read PNG entries); each size is drawn
separately so the small ones stay crisp. build_installer.spec leaves this script out of the bundle.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

# A build tool, not app code: the Qt-only-in-gui rule does not apply here.
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt  # noqa: TID251
from PySide6.QtGui import (  # noqa: TID251
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
)

HERE = Path(__file__).resolve().parent
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_SIZE = 512


def _shield(size: float) -> QPainterPath:
    """A heater shield: flat top with rounded corners, sides curving to a point."""
    m = size * 0.06
    left, right, top = m, size - m, m
    bottom = size - m * 0.6
    mid = size / 2
    r = size * 0.08
    path = QPainterPath()
    path.moveTo(left + r, top)
    path.lineTo(right - r, top)
    path.quadTo(right, top, right, top + r)
    path.lineTo(right, size * 0.45)
    path.cubicTo(
        QPointF(right, size * 0.72), QPointF(mid + size * 0.2, size * 0.86), QPointF(mid, bottom)
    )
    path.cubicTo(
        QPointF(mid - size * 0.2, size * 0.86),
        QPointF(left, size * 0.72),
        QPointF(left, size * 0.45),
    )
    path.lineTo(left, top + r)
    path.quadTo(left, top, left + r, top)
    path.closeSubpath()
    return path


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    shield = _shield(size)
    gradient = QLinearGradient(0, 0, 0, size)
    gradient.setColorAt(0.0, QColor("#1f6f8b"))
    gradient.setColorAt(1.0, QColor("#12395a"))
    p.setBrush(QBrush(gradient))
    p.setPen(QPen(QColor("#0b2438"), max(1.0, size / 32)))
    p.drawPath(shield)
    # A lighter inner rim, left out at tiny sizes where it would only blur.
    if size >= 48:
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(QColor(255, 255, 255, 90), size / 40))
        p.save()
        p.translate(size * 0.07, size * 0.07)
        p.scale(0.86, 0.86)
        p.drawPath(shield)
        p.restore()
    font = QFont("DejaVu Sans")
    font.setBold(True)
    font.setPixelSize(max(6, round(size * (0.30 if size >= 32 else 0.36))))
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 95)
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    p.drawText(QRectF(0, size * 0.14, size, size * 0.5), Qt.AlignmentFlag.AlignCenter, "CSE")
    p.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def ico_bytes(sizes: tuple[int, ...]) -> bytes:
    images = [png_bytes(draw(s)) for s in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for size, data in zip(sizes, images, strict=True):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(images)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv)
    from PySide6.QtGui import QFontDatabase  # noqa: TID251

    for ttf in (HERE.parent / "fonts").glob("DejaVuSans*.ttf"):
        QFontDatabase.addApplicationFont(str(ttf))
    (HERE / "cse-toolkit.png").write_bytes(png_bytes(draw(PNG_SIZE)))
    (HERE / "cse-toolkit.ico").write_bytes(ico_bytes(ICO_SIZES))
    del app
    print(f"wrote {HERE / 'cse-toolkit.png'} and {HERE / 'cse-toolkit.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
