"""What an attachment really is, checked from its bytes, before the vault keeps it.

``inspect`` takes the bytes of a file a worker chose (or an attachment that arrived in a pack)
and returns what the vault stores, or raises ``AttachmentRefused`` with a plain message. The
name of the file is never trusted: the type comes from the content (the JPEG, PNG and PDF
signatures, else strict UTF-8 text). Accepted: JPEG and PNG photos, PDF documents and plain
text. HEIC (iPhone photos) is refused with what to do instead: no well-kept HEIC reader is part
of the toolkit (pillow-heif is not bundled), and the toolkit does not pretend to read it.

Hostile files are refused, never half-read:

* images: a picture larger than ``MAX_PIXELS`` or ``MAX_SIDE`` (a decompression bomb) is
  refused from its header, before any pixel is decoded; a truncated or malformed image fails
  Pillow's full decode and is refused;
* PDFs: encrypted files, and any file with JavaScript, launch, import, submit or go-to-remote
  actions, embedded files or XFA forms, are **refused** (not stripped: a document kept as
  evidence is kept as it came, or not at all); so are files pikepdf cannot read and files with
  more than ``MAX_PDF_PAGES`` pages;
* text: anything that is not UTF-8, or holds NUL or other control characters (tab, line feed
  and carriage return excepted), is refused.

Location and camera data (EXIF, XMP, IPTC, PNG text chunks) are removed without re-encoding
the picture (``strip_metadata``): JPEG segments and PNG chunks are dropped byte for byte, and
only the picture's orientation is kept, so a photo still shows the right way up. A worker may
keep the original for evidence (asked each time; ``keep_metadata``).
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cse_toolkit.errors import UserError

MediaType = Literal["image/jpeg", "image/png", "application/pdf", "text/plain"]
MEDIA_TYPES: tuple[MediaType, ...] = ("image/jpeg", "image/png", "application/pdf", "text/plain")
EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "application/pdf": "pdf",
    "text/plain": "txt",
}

MAX_PIXELS = 50_000_000  # a 50-megapixel photo; phone cameras give 12-48
MAX_SIDE = 20_000
MAX_PDF_PAGES = 500
MAX_PDF_OBJECTS = 200_000
THUMB_SIDE = 160

_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
# C0 controls except tab, line feed, carriage return; DEL; C1 controls.
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# PDF actions that run something, fetch something or send something.
_BAD_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/ImportData",
    "/SubmitForm",
    "/GoToR",
    "/GoToE",
    "/Rendition",
    "/Sound",
    "/Movie",
}
# PNG chunks kept: the picture itself and how to show its colours.
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT"}
_PNG_KEEP |= {b"bKGD", b"pHYs", b"iCCP"}


class AttachmentRefused(UserError):
    """The file is not one the vault keeps (type, size, damage or active content)."""


@dataclass(frozen=True)
class Metadata:
    """What a picture says about where and with what it was taken (found before stripping)."""

    location: bool = False
    camera: bool = False
    other: bool = False
    taken_at: datetime | None = None  # the camera's own clock (no time zone), if it gave one

    @property
    def any(self) -> bool:
        return self.location or self.camera or self.other


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: its real type and what the vault keeps of it."""

    media_type: MediaType
    original: bytes
    stripped: bytes  # ``original`` without location and camera data (== original otherwise)
    metadata: Metadata = field(default_factory=Metadata)
    thumbnail: bytes = b""  # PNG, at most THUMB_SIDE a side; empty for PDFs and text
    width: int = 0
    height: int = 0
    pages: int = 0

    def content(self, keep_metadata: bool) -> bytes:
        return self.original if keep_metadata else self.stripped


def sniff(data: bytes) -> str:
    """The type the bytes say they are: a media type, ``heic``, or ``unknown``."""
    if data.startswith(_JPEG):
        return "image/jpeg"
    if data.startswith(_PNG):
        return "image/png"
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heic"
    return "unknown"


def inspect(data: bytes, *, max_bytes: int) -> CheckedFile:
    """Check ``data`` from its content; the result or ``AttachmentRefused``."""
    if not data:
        raise AttachmentRefused("The file is empty. Choose the file again.")
    if len(data) > max_bytes:
        raise AttachmentRefused(too_big_message(len(data), max_bytes))
    kind = sniff(data)
    if kind == "heic":
        raise AttachmentRefused(
            "This is a HEIC photo (the iPhone's own format), which the toolkit cannot read. "
            "On the phone, choose Settings > Camera > Formats > Most Compatible, or share the "
            "photo as JPEG, then add that file."
        )
    if kind in ("image/jpeg", "image/png"):
        return _image(data, kind)  # type: ignore[arg-type]
    if kind == "application/pdf":
        return _pdf(data)
    return _text(data)


def too_big_message(size: int, max_bytes: int) -> str:
    return (
        f"This file is {_mb(size)}; your organisation allows files of up to {_mb(max_bytes)} "
        "in the vault. Reduce it (a smaller photo, or fewer pages) and add it again."
    )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


# --------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------


def _damaged_image() -> AttachmentRefused:
    return AttachmentRefused(
        "This picture is damaged or not a complete image (it may have been cut short while "
        "copying), so it was not added. Copy the file again from where it came from."
    )


def _bomb(size: str) -> AttachmentRefused:
    return AttachmentRefused(
        f"This picture says it is {size}, more than the toolkit opens (50 megapixels). It may "
        "be built to make computers run out of memory; it was not added."
    )


def _image(data: bytes, media_type: MediaType) -> CheckedFile:
    from PIL import Image, UnidentifiedImageError

    fmt = "JPEG" if media_type == "image/jpeg" else "PNG"
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                width, height = img.size
                if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                    raise _bomb(f"{width} x {height} pixels")
                img.load()  # the whole picture: a truncated or malformed file fails here
                metadata = _metadata(img)
                thumb = _thumbnail(img)
        except AttachmentRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _bomb("larger than Pillow's own limit") from exc
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            EOFError,
            struct.error,
            zlib.error,
        ) as exc:
            raise _damaged_image() from exc
    stripped = strip_metadata(data, media_type)
    return CheckedFile(media_type, data, stripped, metadata, thumb, width, height)


def _metadata(img: Any) -> Metadata:
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - a damaged EXIF block is still metadata to remove
        return Metadata(other=True)
    location = bool(exif.get_ifd(0x8825)) if 0x8825 in exif else False
    camera_tags = {0x010F, 0x0110, 0xA431, 0xA434, 0xA433, 0xA430, 0x0131}  # make, model, serial
    camera = any(tag in exif for tag in camera_tags)
    other = bool(set(exif) - camera_tags - {0x8825, 0x0112}) or bool(
        {"xmp", "XML:com.adobe.xmp", "photoshop", "comment"} & set(img.info)
    )
    if img.format == "PNG":
        other = other or any(isinstance(v, str) for k, v in img.info.items() if k != "dpi")
    taken: datetime | None = None
    try:
        raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
        if isinstance(raw, str):
            taken = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (ValueError, KeyError, TypeError):
        taken = None
    return Metadata(location=location, camera=camera, other=other, taken_at=taken)


def _thumbnail(img: Any) -> bytes:
    from PIL import ImageOps

    small = ImageOps.exif_transpose(img.copy())
    small.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if small.mode not in ("RGB", "RGBA", "L"):
        small = small.convert("RGBA")
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def strip_metadata(data: bytes, media_type: str) -> bytes:
    """``data`` without EXIF, XMP, IPTC, comments or text chunks; the picture itself unchanged."""
    if media_type == "image/jpeg":
        return _strip_jpeg(data)
    if media_type == "image/png":
        return _strip_png(data)
    return data


def _orientation_exif(data: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        orientation = img.getexif().get(0x0112)
    if not isinstance(orientation, int) or orientation in (0, 1) or orientation > 8:
        return b""
    fresh = Image.Exif()
    fresh[0x0112] = orientation
    payload = fresh.tobytes()  # b"Exif\0\0" + TIFF
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _strip_jpeg(data: bytes) -> bytes:
    kept: list[bytes] = []
    pos = 2  # after SOI
    while True:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise _damaged_image()
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is the picture
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise _damaged_image()
        segment = data[pos:end]
        # Dropped: APP1 (EXIF, XMP), APP13 (IPTC, Photoshop), the other APPn blocks makers use,
        # and comments. Kept: APP0 (JFIF), APP14 (Adobe colour transform), the ICC profile
        # (APP2 "ICC_PROFILE") for colours, and every table and frame header.
        is_icc = marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00"
        if not (marker == 0xFE or (0xE1 <= marker <= 0xEF and marker != 0xEE and not is_icc)):
            kept.append(segment)
        pos = end
    orientation = _orientation_exif(data)
    if orientation:
        at = 1 if kept and kept[0][1] == 0xE0 else 0  # EXIF goes after JFIF's APP0
        kept.insert(at, orientation)
    return data[:2] + b"".join(kept) + data[pos:]


def _strip_png(data: bytes) -> bytes:
    out = bytearray(_PNG)
    pos = len(_PNG)
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise _damaged_image()
        if kind in _PNG_KEEP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    return bytes(out)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def _pdf(data: bytes) -> CheckedFile:
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise AttachmentRefused(
            "This PDF is protected with a password, so the toolkit cannot check what is inside "
            "it. Open it, save a copy without the password, and add that copy."
        ) from exc
    except Exception as exc:  # qpdf reports damage with several exception types
        raise AttachmentRefused(
            "This PDF is damaged or not a complete PDF, so it was not added. Copy the file "
            "again from where it came from."
        ) from exc
    with pdf:
        try:
            if pdf.is_encrypted:
                raise AttachmentRefused(
                    "This PDF is encrypted, so the toolkit cannot check what is inside it. "
                    "Save a copy without encryption and add that copy."
                )
            pages = len(pdf.pages)
            if pages == 0:
                raise AttachmentRefused("This PDF has no pages, so there is nothing to keep.")
            if pages > MAX_PDF_PAGES:
                raise AttachmentRefused(
                    f"This PDF has {pages} pages, more than the {MAX_PDF_PAGES} the toolkit "
                    "keeps in one attachment. Add the pages that matter as a shorter PDF."
                )
            active = _active_content(pdf)
        except AttachmentRefused:
            raise
        except Exception as exc:
            raise AttachmentRefused(
                "This PDF is damaged (its contents cannot be read), so it was not added."
            ) from exc
    if active:
        raise AttachmentRefused(
            f"This PDF contains {active}, which can run programs or send data when it is "
            "opened. The toolkit does not keep such PDFs. Print the document to a new PDF, or "
            "scan the paper, and add that instead."
        )
    return CheckedFile("application/pdf", data, data, thumbnail=_pdf_thumbnail(data), pages=pages)


def _pdf_thumbnail(data: bytes) -> bytes:
    """The first page, small, as PNG (b"" if PDFium cannot draw it: the list shows an icon)."""
    import pypdfium2 as pdfium

    from cse_toolkit.packs.pdfium_lock import LOCK

    try:
        with LOCK:
            doc = pdfium.PdfDocument(data)
            try:
                page = doc[0]
                try:
                    width, height = page.get_size()
                    scale = THUMB_SIDE / max(width, height, 1.0)
                    bitmap = page.render(scale=scale)
                    try:
                        image = bitmap.to_pil()
                    finally:
                        bitmap.close()
                finally:
                    page.close()
            finally:
                doc.close()
        from PIL import ImageOps

        framed = ImageOps.expand(image.convert("RGB"), border=1, fill=(150, 150, 150))
        out = io.BytesIO()
        framed.save(out, format="PNG")
        return out.getvalue()
    except Exception:  # noqa: BLE001 - a thumbnail is optional; the file was already checked
        return b""


def _active_content(pdf: Any) -> str:
    """'' when the PDF has nothing active; else what was found, in words."""
    import pikepdf

    root = pdf.Root
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            return "JavaScript"
        if "/EmbeddedFiles" in names:
            return "embedded files"
    acro = root.get("/AcroForm")
    if isinstance(acro, pikepdf.Dictionary) and "/XFA" in acro:
        return "an XFA form"
    for count, obj in enumerate(pdf.objects):
        if count > MAX_PDF_OBJECTS:
            return "too many objects to check"
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        if "/JS" in obj:
            return "JavaScript"
        action = obj.get("/S")
        if isinstance(action, pikepdf.Name) and str(action) in _BAD_ACTIONS:
            return "JavaScript" if str(action) == "/JavaScript" else f"a {str(action)[1:]} action"
        if obj.get("/Type") == pikepdf.Name.EmbeddedFile or obj.get("/Type") == pikepdf.Name(
            "/Filespec"
        ):
            return "embedded files"
    return ""


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def _text(data: bytes) -> CheckedFile:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AttachmentRefused(
            "This file is not a photo (JPEG or PNG), a PDF, or plain text in UTF-8, so it was "
            "not added. Save text as UTF-8 (most editors offer it under 'Save as'), or convert "
            "the file to PDF."
        ) from exc
    if _TEXT_CONTROL.search(text):
        raise AttachmentRefused(
            "This text file holds control characters (such as NUL) that plain text does not "
            "have; it may be a program or a damaged file, so it was not added. Copy the text "
            "into a new file and add that."
        )
    return CheckedFile("text/plain", data, data)
