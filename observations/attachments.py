"""What an attachment may be: a photo, an audio note or a PDF, recognised by its first bytes.

The browser's content type and the file name are whatever the phone says; the bytes are what
the file is. A file whose bytes match no allowed type is refused, whatever it is called.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileType:
    kind: str  # photo, audio, document
    content_type: str
    extension: str


def sniff(head: bytes) -> FileType | None:
    """Return the type of a file from its first bytes, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return FileType("photo", "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileType("photo", "image/png", "png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FileType("photo", "image/webp", "webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
            return FileType("photo", "image/heic", "heic")
        if brand in (b"M4A ", b"M4B ", b"mp42", b"isom", b"3gp4", b"3gp5", b"3g2a"):
            return FileType("audio", "audio/mp4", "m4a")
    if head.startswith(b"%PDF-"):
        return FileType("document", "application/pdf", "pdf")
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return FileType("audio", "audio/mpeg", "mp3")
    if head.startswith(b"OggS"):
        return FileType("audio", "audio/ogg", "ogg")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return FileType("audio", "audio/webm", "webm")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return FileType("audio", "audio/wav", "wav")
    if head.startswith(b"#!AMR"):
        return FileType("audio", "audio/amr", "amr")
    return None


ACCEPT = ",".join(
    [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "audio/*",
        "application/pdf",
        ".jpg",
        ".jpeg",
        ".png",
        ".webp",
        ".heic",
        ".m4a",
        ".mp3",
        ".ogg",
        ".webm",
        ".wav",
        ".amr",
        ".pdf",
    ]
)


def max_bytes(kind: str) -> int:
    return settings.ATTACHMENT_MAX_MB[kind] * 1024 * 1024


def check_upload(upload) -> tuple[FileType, str]:
    """Return the type and SHA-256 of an uploaded file, or raise a ValidationError saying why."""
    if not upload.size:
        raise ValidationError(_("The file is empty."), code="empty")
    upload.seek(0)
    kind = sniff(upload.read(16))
    if kind is None:
        raise ValidationError(
            _(
                "“%(name)s” is not a photo (JPEG, PNG, WebP, HEIC), an audio note (M4A, MP3, "
                "OGG, WebM, WAV, AMR) or a PDF."
            ),
            code="type",
            params={"name": upload.name},
        )
    limit = max_bytes(kind.kind)
    if upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the limit for this kind of file is %(limit)s."),
            code="size",
            params={
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(limit),
            },
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest()
