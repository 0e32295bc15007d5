"""Rendering receipts to PDF.

Many receipts are laid out in one WeasyPrint pass (one stylesheet parse, one font set-up, one
layout), then each receipt's pages are written as its own PDF: per-document set-up costs far
more than a page here. Each file is written atomically (temporary file, then rename).

The per-document set-up is kept small too (a single receipt is rendered alone when it is cancelled
or replaced): the static stylesheet is parsed once per process, the user-agent style leaves out
its rules for list markers and notes (each gave every element six pseudo-element styles to
compute, none ever drawn on a receipt), the markup is read by the XML parser (the template is
well-formed XML), and the issuer's logo and signature are decoded once per process, flattened on
white (no alpha mask to encode again in every PDF) and reduced to print resolution. The layout avoids floats and tables where a
positioned box gives the same look.

Every page carries the receipt's number and « page n/m » (and « ANNULÉ » on a cancelled copy).
WeasyPrint's page counter runs over the whole batch and cannot be reset per receipt, so each
receipt gets a named page and a counter style that numbers from its first page: the layout
assumes one page per receipt, and the rare batch where a receipt is longer (a summary receipt
with many gifts) is laid out a second time with the page counts of the first layout.
"""

import datetime
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from occe.core.pdf import font_config

from .models import COMPANY_NATURES, GiftForm, GiftNature, PaymentMethod, Receipt

TEMPLATE = "finances/pdf/receipts.html"
STYLESHEET = "finances/pdf/receipts.css"
# The largest box an issuer's image is printed in (5 cm × 1.8 cm) at 300 dpi.
IMAGE_MAX_PIXELS = (600, 220)
logger = logging.getLogger(__name__)


def _media_path(relative: str) -> str:
    return str(Path(settings.MEDIA_ROOT) / relative) if relative else ""


def _date(value: str) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def issuer_view(issuer: dict) -> dict:
    """The issuer frozen on a receipt, ready for the template (dates as dates, image paths as
    absolute paths). Only this is printed: never the association's current settings."""
    view = dict(issuer)
    view["decree_date"] = _date(issuer.get("decree_date") or "")
    view["journal_officiel_date"] = _date(issuer.get("journal_officiel_date") or "")
    view["logo_path"] = _media_path(issuer.get("logo", ""))
    view["signature_path"] = _media_path(issuer.get("signature", ""))
    return view


@dataclass
class Sheet:
    """One PDF to produce: a receipt, as issued or marked « ANNULÉ », and where its pages
    start in the batch (1-based) and how many it has."""

    receipt: Receipt
    marked: bool
    index: int
    start: int = 1
    pages: int = 1

    @property
    def key(self) -> tuple[int, bool]:
        return (self.receipt.pk, self.marked)

    @property
    def name(self) -> str:
        """A CSS identifier for its named page and counter style."""
        return f"recu{self.index}"

    @property
    def css_number(self) -> str:
        """The receipt's number as the inside of a CSS string (the prefix is a setting)."""
        return "".join(
            c if c.isalnum() or c in " -_/." else f"\\{ord(c):x} " for c in self.receipt.number
        )

    @property
    def page_symbols(self) -> str:
        return " ".join(f'"{n}"' for n in range(1, self.pages + 1))

    @property
    def anchor(self) -> str:
        # By position: a pk in a template is localized ("1 037") with USE_THOUSAND_SEPARATOR.
        return f"feuille-{self.index}"


def _prepare(sheets: list[Sheet]) -> None:
    for sheet in sheets:
        receipt = sheet.receipt
        receipt.issuer_view = issuer_view(receipt.issuer)
        receipt.gift_list = receipt.gift_rows() if receipt.summary_year else []
        methods = {gift["payment_method"] for gift in receipt.gifts} or {receipt.payment_method}
        receipt.gift_methods = methods
        replacement = getattr(receipt, "replaced_by", None) if receipt.is_cancelled else None
        receipt.replacement_number = replacement.number if replacement else ""


def _unbreakable(choices) -> list[tuple[str, str]]:
    """Choices whose labels never break inside (an option of the form stays on one line)."""
    return [(value, str(label).replace(" ", "\u00a0")) for value, label in choices]


def receipts_html(sheets: list[Sheet]) -> str:
    _prepare(sheets)
    context = {
        "sheets": sheets,
        "forms": _unbreakable(GiftForm.choices),
        "natures": _unbreakable(GiftNature.choices),
        "company_natures": _unbreakable([(n.value, n.label) for n in COMPANY_NATURES]),
        "methods": _unbreakable(PaymentMethod.choices),
    }
    return render_to_string(TEMPLATE, context)


@lru_cache(maxsize=1)
def stylesheet():
    """The receipts' static style, parsed once per process."""
    from weasyprint import CSS

    return CSS(string=render_to_string(STYLESHEET), font_config=font_config())


# WeasyPrint's user-agent rules that match every element through a pseudo-element the receipts
# never generate (no list item, no footnote): dropping them leaves every drawn box as it was.
UNUSED_UA_RULES = ("::marker ", "::footnote-call ", "::footnote-marker ", "::note-")


@lru_cache(maxsize=1)
def user_agent_stylesheet():
    """WeasyPrint's HTML user-agent style without UNUSED_UA_RULES, parsed once per process."""
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    kept = (line for line in UA.splitlines() if not line.startswith(UNUSED_UA_RULES))
    # Its counter styles are WeasyPrint's own, already known to every document: read apart.
    return CSS(string="\n".join(kept), counter_style=CounterStyle())


@lru_cache(maxsize=1)
def _receipt_html():
    """WeasyPrint's HTML document with the receipts' user-agent style, read as XML.

    The receipts' template writes well-formed XML (void elements closed, numeric character
    references only, the rest escaped by Django): expat, in C, reads it several times faster than
    WeasyPrint's HTML5 parser, written in Python, into the same tree. Markup that is not
    well-formed (a control character in a name, say) is read by the HTML5 parser as before."""
    from xml.etree import ElementTree

    import cssselect2
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, ensure_url

    class ReceiptHTML(HTML):
        def __init__(self, string: str, base_url: str):
            try:
                root = ElementTree.fromstring(string)
            except ElementTree.ParseError:
                super().__init__(string=string, base_url=base_url)
                return
            self.base_url = ensure_url(base_url)
            self.url_fetcher = URLFetcher()
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms=False):
            return [user_agent_stylesheet()]

    return ReceiptHTML


# Decoded images by URL, shared by the documents of this process (WeasyPrint's own cache). The
# issuer's images are frozen under a name made of their content's hash: an entry never goes
# stale, and there are only as many as the association ever had logos and signatures.
_IMAGES: dict = {}


@lru_cache(maxsize=32)
def _print_ready(path: str) -> tuple[bytes, str]:
    """An issuer's image as printed: flattened on the page's white (a PNG with transparency
    would be split into colour and mask, and both compressed again, in every PDF) and reduced to
    300 dpi at its printed size; a JPEG without transparency is kept as it is (copied into the
    PDF as is)."""
    from PIL import Image

    data = Path(path).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        if image.format == "JPEG" and image.width <= IMAGE_MAX_PIXELS[0]:
            return data, "image/jpeg"
        image.thumbnail(IMAGE_MAX_PIXELS)
        rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    buffer = io.BytesIO()
    flat.save(buffer, format="PNG")
    return buffer.getvalue(), "image/png"


def _issuer_image(path: str):
    """The print-ready image as WeasyPrint's image object, whose PDF data is computed once per
    process: for a PNG, WeasyPrint decodes the image and compresses its pixels again for every
    document (about a tenth of a receipt's rendering)."""
    from PIL import Image
    from weasyprint.images import RasterImage

    class IssuerImage(RasterImage):
        def _get_png_data(self, pillow_image):
            key = pillow_image.mode  # the colour, and the alpha mask if there is one
            if key not in self.png_data:
                self.png_data[key] = RasterImage._get_png_data(pillow_image)
            return self.png_data[key]

    content, _ = _print_ready(path)
    image = IssuerImage(Image.open(io.BytesIO(content)), f"emetteur-{Path(path).stem}", content)
    image.png_data = {}
    return image


def _load_issuer_images(sheets: list[Sheet]) -> None:
    """Put the issuers' images in WeasyPrint's image cache under the URLs the template gives
    them, print-ready, so WeasyPrint never reads the original files."""
    for sheet in sheets:
        for path in (
            sheet.receipt.issuer_view["logo_path"],
            sheet.receipt.issuer_view["signature_path"],
        ):
            url = f"file://{path}"
            if path and url not in _IMAGES and Path(path).is_file():
                _IMAGES[url] = _issuer_image(path)


def _layout(sheets: list[Sheet]):
    html = receipts_html(sheets)
    _load_issuer_images(sheets)
    document = _receipt_html()(string=html, base_url=str(settings.BASE_DIR))
    return document.render(font_config=font_config(), stylesheets=[stylesheet()], cache=_IMAGES)


def _split(document, sheets: list[Sheet]) -> dict[int, list]:
    """{sheet index: its pages}, found by the anchor at the start of each sheet."""
    by_anchor = {sheet.anchor: sheet.index for sheet in sheets}
    pages: dict[int, list] = {}
    current = None
    for page in document.pages:
        for anchor in page.anchors:
            if anchor in by_anchor:
                current = by_anchor[anchor]
                break
        pages.setdefault(current, []).append(page)
    return pages


def render_receipts(items: list[tuple[Receipt, bool]]) -> dict[tuple[int, bool], bytes]:
    """{(receipt pk, marked): PDF bytes}, laid out in one pass (two if a receipt runs over a
    page) and split per receipt. `marked` asks for the copy marked « ANNULÉ »."""
    if not items:
        return {}
    sheets = [
        Sheet(receipt, marked, index, start=index + 1)
        for index, (receipt, marked) in enumerate(items)
    ]
    document = _layout(sheets)
    pages = _split(document, sheets)
    start = 1
    relaid = False
    for sheet in sheets:
        count = len(pages.get(sheet.index, [])) or 1
        if (sheet.start, sheet.pages) != (start, count):
            sheet.start, sheet.pages, relaid = start, count, True
        start += count
    if relaid:
        # The headers do not change the layout of the body: the same pages come out, numbered.
        document = _layout(sheets)
        pages = _split(document, sheets)
    pdfs = {}
    for sheet in sheets:
        if len(sheets) == 1:
            pdfs[sheet.key] = document.write_pdf()
        elif sheet.index in pages:
            pdfs[sheet.key] = document.copy(pages[sheet.index]).write_pdf()
        else:
            # Its start was not found on any page of the batch: render it on its own.
            logger.warning(
                "Reçu %s rendu seul (ancre introuvable dans le lot)", sheet.receipt.number
            )
            pdfs[sheet.key] = render_receipts([(sheet.receipt, sheet.marked)])[sheet.key]
    return pdfs


def render_one_bare(receipt: Receipt) -> bytes:
    """One receipt, one document: the baseline the benchmark compares the batch chain with."""
    return render_receipts([(receipt, receipt.is_cancelled)])[(receipt.pk, receipt.is_cancelled)]


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
