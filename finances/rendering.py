"""Rendering receipts to PDF.

Many receipts are laid out in one WeasyPrint pass (one stylesheet parse, one font set-up, one
layout), then each receipt's pages are written as its own PDF: per-document set-up costs far
more than a page here. Each file is written atomically (temporary file, then rename).
"""

import datetime
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from occe.core.pdf import font_config

from .models import GiftForm, GiftNature, PaymentMethod, Receipt

TEMPLATE = "finances/pdf/receipts.html"
logger = logging.getLogger(__name__)


def _media_path(relative: str) -> str:
    return str(Path(settings.MEDIA_ROOT) / relative) if relative else ""


def issuer_view(issuer: dict) -> dict:
    """The issuer frozen on a receipt, ready for the template (dates as dates, image paths as
    absolute paths). Only this is printed: never the association's current settings."""
    view = dict(issuer)
    decree = issuer.get("decree_date") or ""
    view["decree_date"] = datetime.date.fromisoformat(decree) if decree else None
    view["logo_path"] = _media_path(issuer.get("logo", ""))
    view["signature_path"] = _media_path(issuer.get("signature", ""))
    return view


def _prepare(receipts: list[Receipt]) -> None:
    for receipt in receipts:
        receipt.issuer_view = issuer_view(receipt.issuer)
        gifts = receipt.gifts() if receipt.summary_year else []
        receipt.gift_list = gifts
        receipt.gift_methods = {g.payment_method for g in gifts} or {receipt.payment_method}
        replacement = getattr(receipt, "replaced_by", None) if receipt.is_cancelled else None
        receipt.replacement_number = replacement.number if replacement else ""


def receipts_html(receipts: list[Receipt]) -> str:
    _prepare(receipts)
    context = {
        "receipts": receipts,
        "forms": GiftForm.choices,
        "natures": GiftNature.choices,
        "methods": PaymentMethod.choices,
    }
    return render_to_string(TEMPLATE, context)


def render_receipts(receipts: list[Receipt]) -> dict[int, bytes]:
    """{receipt pk: PDF bytes}, laid out in one pass and split per receipt."""
    from weasyprint import HTML

    if not receipts:
        return {}
    html = receipts_html(receipts)
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=font_config())
    # By number: a pk in a template is localized ("1 037") when USE_THOUSAND_SEPARATOR is on.
    anchor_ids = {f"recu-{r.number}": r.pk for r in receipts}
    pages_by_receipt: dict[int, list] = {}
    current = None
    for page in document.pages:
        for anchor in page.anchors:
            if anchor in anchor_ids:
                current = anchor_ids[anchor]
                break
        pages_by_receipt.setdefault(current, []).append(page)
    pdfs = {pk: document.copy(pages).write_pdf() for pk, pages in pages_by_receipt.items() if pk}
    for receipt in receipts:
        if receipt.pk not in pdfs:
            # Its start was not found on any page of the batch: render it on its own.
            logger.warning("Reçu %s rendu seul (ancre introuvable dans le lot)", receipt.number)
            pdfs[receipt.pk] = render_one_bare(receipt)
    return pdfs


def render_one_bare(receipt: Receipt) -> bytes:
    """One receipt, one document: the baseline the benchmark compares the batch chain with."""
    from weasyprint import HTML

    html = receipts_html([receipt])
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=font_config())


def store_atomically(relative_path: str, content: bytes) -> str:
    """Write `content` at MEDIA_ROOT/relative_path through a temporary file and a rename, so a
    reader (or a worker dying mid-write) never leaves a half-written PDF."""
    target = Path(settings.MEDIA_ROOT) / relative_path
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative_path
