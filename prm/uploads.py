"""Uploaded files (deal evidence, dispute files, later MDF proof of performance): the type
is read from the content with ``filetype`` (a PDF renamed .png is a PDF), never from the
name or the browser's word; the size is capped; the file is stored through Django's storage
API (so S3 can be configured with django-storages) under a name the uploader does not
choose. Who may download a file is the owning app's scope, checked by its view."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404

from prm.errors import ServiceError
from prm.tenancy.context import current_schema

MAX_BYTES = 10 * 1024 * 1024

# kind -> (what people call it, the MIME type it is served as, its extension)
KINDS = {
    "pdf": ("PDF", "application/pdf", "pdf"),
    "png": ("PNG image", "image/png", "png"),
    "jpeg": ("JPEG image", "image/jpeg", "jpg"),
    "csv": ("CSV file", "text/csv", "csv"),
    "xlsx": (
        "Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "docx": (
        "Word document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
}
_BY_MIME = {mime: kind for kind, (_, mime, _) in KINDS.items()}


class FileTooLarge(ServiceError):
    status = 413
    error_code = "file_too_large"


class UnsupportedFile(ServiceError):
    status = 415
    error_code = "unsupported_file_type"


@dataclass(frozen=True)
class Checked:
    kind: str
    content_type: str
    size: int
    storage_name: str  # where to save it (no part of it comes from the uploader)


def _looks_like_csv(head: bytes) -> bool:
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if "\x00" in text or not text.strip():
        return False
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return False
    return len(rows) >= 1 and any(len(row) > 1 for row in rows)


def sniff(head: bytes) -> str | None:
    """The kind of a file from its first bytes, or None when it is none we take."""
    found = filetype.guess(head)
    if found is not None:
        return _BY_MIME.get(found.mime)
    return "csv" if _looks_like_csv(head) else None


def upload_check(
    upload: UploadedFile, *, allowed: frozenset[str], folder: str, max_bytes: int | None = None
) -> Checked:
    """Refuse a file that is too large (413) or of a kind not ``allowed`` (415), with a
    sentence that says what is taken; otherwise where to store it under ``folder``."""
    size = upload.size or 0
    max_bytes = max_bytes or MAX_BYTES
    if size > max_bytes:
        raise FileTooLarge(
            f"{upload.name} is {size / 1024 / 1024:.1f} MB; files are at most "
            f"{max_bytes // 1024 // 1024} MB."
        )
    if size == 0:
        raise UnsupportedFile(f"{upload.name} is empty.")
    upload.seek(0)
    head = upload.read(64 * 1024)
    upload.seek(0)
    kind = sniff(head)
    if kind not in allowed:
        taken = ", ".join(KINDS[k][0] for k in sorted(allowed))
        raise UnsupportedFile(f"{upload.name} is not a file we take here: upload a {taken}.")
    _, mime, ext = KINDS[kind]
    name = f"{current_schema()}/{folder}/{uuid.uuid4().hex}.{ext}"
    return Checked(kind=kind, content_type=mime, size=size, storage_name=name)


INLINE = {"application/pdf", "image/png", "image/jpeg"}


def stored_file_response(stored, *, content_type: str, name: str) -> FileResponse:
    """An uploaded file (a ``FieldFile``) as its owner's views serve it, after their scope
    check: images and PDFs open in the page, other files download; the browser takes the
    type we read from the content (nosniff), runs nothing in it (sandboxed; a PDF, which the
    browser's viewer refuses to show sandboxed, may only be framed by our own pages) and
    keeps no copy. A file gone from storage is a 404."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=content_type not in INLINE, filename=name
    )
    response["X-Content-Type-Options"] = "nosniff"
    sandbox = "" if content_type == "application/pdf" else "sandbox; "
    response["Content-Security-Policy"] = (
        f"{sandbox}default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    )
    response["Cache-Control"] = "private, no-store"
    return response
