"""Small files for the attachment tests: real pictures, PDFs and text, and hostile ones made
as an attacker would (with the libraries the toolkit itself bundles)."""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from PIL import Image

GPS_LAT = (52.0, 11.0, 3.0)


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SnoopCam"  # make
    exif[0x0110] = "Model-X9"  # model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS_LAT
    exif.get_ifd(0x8769)[0x9003] = "2026:11:30 14:05:00"
    return exif


def jpeg(with_exif: bool = True, size: tuple[int, int] = (64, 48), orientation: int = 6) -> bytes:
    img = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    if with_exif:
        img.save(out, "JPEG", exif=_exif(orientation).tobytes(), comment=b"taken by SnoopCam")
    else:
        img.save(out, "JPEG")
    return out.getvalue()


def png(with_exif: bool = True, size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    img = Image.new("RGB", size, (10, 120, 200))
    info = PngInfo()
    info.add_text("Comment", "SnoopCam text chunk")
    out = io.BytesIO()
    if with_exif:
        img.save(out, "PNG", exif=_exif().tobytes(), pnginfo=info)
    else:
        img.save(out, "PNG")
    return out.getvalue()


def noise_png(seed: int = 1, side: int = 64) -> bytes:
    """A PNG of random pixels: its compressed bytes are unique (a needle for the marker test)."""
    import random

    rng = random.Random(seed)
    img = Image.frombytes(
        "RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3))
    )
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def noise_jpeg(side: int = 2400, seed: int = 3) -> bytes:
    """A large photo of random pixels (several MB), with location and camera data."""
    import os as _os

    img = Image.frombytes("RGB", (side, side), _os.urandom(side * side * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95, exif=_exif().tobytes())
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 60_000) -> bytes:
    """A PNG whose header claims side x side pixels (3.6 gigapixels at the default): a few
    hundred bytes that would take gigabytes to decode."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (side + 1) * 4, 9)  # the first rows only
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = jpeg(with_exif=False, size=(300, 200))
    return data[: len(data) // 2]


def malformed_png() -> bytes:
    """A PNG signature and header followed by garbage where the picture should be."""
    good = png(with_exif=False)
    return good[:33] + _chunk(b"IDAT", b"not zlib at all" * 4) + _chunk(b"IEND", b"")


def pdf(text: str = "Signed consent form") -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _pdf_with(action: pikepdf.Dictionary) -> bytes:
    doc = pikepdf.open(io.BytesIO(pdf()))
    doc.Root.OpenAction = doc.make_indirect(action)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_javascript() -> bytes:
    return _pdf_with(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('hi')"))
    )


def pdf_launch() -> bytes:
    return _pdf_with(
        pikepdf.Dictionary(
            S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"), NewWindow=pikepdf.Boolean(True)
        )
    )


def pdf_named_javascript() -> bytes:
    """JavaScript in the document's name tree, with no action pointing at it."""
    doc = pikepdf.open(io.BytesIO(pdf()))
    script = doc.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("this.print()"))
    )
    doc.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), script]))
    )
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def truncated_pdf() -> bytes:
    data = pdf()
    return data[: len(data) // 3]
