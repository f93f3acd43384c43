"""Supporting documents (ID card, household register, bank card): photos or PDFs, checked by
their first bytes (not their name), limited in size and number, readable by whoever may
read the application."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from eldercare.actor import Actor
from eldercare.audit import service as audit
from eldercare.db import write_transaction
from eldercare.errors import N_, Conflict, Invalid, NotFound
from eldercare.settings import get_settings
from eldercare.subsidies import application_views, applications, domain
from eldercare.subsidies.tables import ApplicationDocument

KINDS = ("id_card", "household_register", "bank_card", "other")
MAX_PER_APPLICATION = 10

_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


def sniff(content: bytes) -> tuple[str, str] | None:
    """The real type of an upload from its first bytes, or None for anything else."""
    for magic, content_type, suffix in _SIGNATURES:
        if content.startswith(magic):
            return content_type, suffix
    return None


@dataclass(frozen=True)
class Download:
    filename: str
    content_type: str
    content: bytes

    @property
    def headers(self) -> dict[str, str]:
        """Response headers: the name in RFC 5987 form (Chinese names survive), never sniffed,
        never cached by a shared computer's browser."""
        ascii_name = "".join(
            c if c.isascii() and c.isalnum() or c in "-_." else "_" for c in self.filename
        )
        return {
            "Content-Disposition": f'inline; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(self.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        }


async def upload(
    actor: Actor,
    application_id: int,
    *,
    kind: str,
    filename: str,
    content: bytes,
    now: datetime | None = None,
) -> application_views.DocumentInfo:
    now = now or datetime.now(UTC)
    row = await applications.load(actor, application_id)
    if kind not in KINDS:
        raise Invalid("kind", N_("Choose id_card, household_register, bank_card or other."))
    limit = get_settings().max_upload_bytes
    if not content:
        raise Invalid("file", N_("Choose a photo or a PDF to upload."))
    if len(content) > limit:
        raise Invalid("file", N_("The file is too large (at most {mb} MB)."), mb=limit // 1_048_576)
    found = sniff(content)
    if found is None:
        raise Invalid("file", N_("Only photos (JPEG, PNG) and PDF files can be uploaded."))
    content_type, suffix = found
    if row["status"] not in domain.OPEN:
        raise Conflict(N_("Documents can be added only while the application is open."))
    stem = "".join(c for c in filename.rsplit(".", 1)[0] if c.isalnum() or c in "-_ ")[:80]
    safe_name = f"{stem.strip() or kind}{suffix}"
    async with write_transaction():
        count = (
            await ApplicationDocument.count()
            .where(ApplicationDocument.application == application_id)
            .run()
        )
        if count >= MAX_PER_APPLICATION:
            raise Conflict(
                N_("An application can have at most {n} documents."), n=MAX_PER_APPLICATION
            )
        document = ApplicationDocument(
            application=application_id,
            kind=kind,
            filename=safe_name,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
            uploaded_by=actor.id,
            uploaded_at=now,
        )
        await document.save().run()
        await audit.record(
            actor,
            "application.document",
            entity="application",
            entity_id=application_id,
            detail=f"{kind} {len(content)}",
            now=now,
        )
    return application_views.DocumentInfo(
        document.id, kind, safe_name, content_type, len(content), now
    )


async def download(actor: Actor, application_id: int, document_id: int) -> Download:
    await applications.load(actor, application_id)
    row = (
        await ApplicationDocument.select()
        .where(
            (ApplicationDocument.id == document_id)
            & (ApplicationDocument.application == application_id)
        )
        .first()
        .run()
    )
    if row is None:
        raise NotFound(N_("No such document."))
    return Download(row["filename"], row["content_type"], bytes(row["content"]))
