"""The receipts' rendering cost: the static style parsed once, the issuer's images served
print-ready (flattened, at print resolution, decoded once per process), and the bench's plain
one-page reference document."""

import io
from xml.etree import ElementTree

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image
from pypdf import PdfReader

from finances import rendering, services
from finances.rendering import Sheet
from tests.bench import finances as benchmarks
from tests.finances.factories import ReceiptFactory


def test_the_reference_document_is_one_plain_page():
    assert len(PdfReader(io.BytesIO(benchmarks.reference_page_pdf())).pages) == 1
    rows = []
    reference = benchmarks.report_reference_page(lambda *row: rows.append(row), 0.05, samples=1)
    ((measure, value, baseline),) = rows
    assert "document de référence" in measure and "ms/document en temps processeur" in value
    assert f"{0.05 / reference:.2f}×".replace(".", ",") in baseline
    # Measured in turn with the receipts, the reference is given: its ratio is the row's.
    rows.clear()
    benchmarks.report_reference_page(lambda *row: rows.append(row), 0.06, reference=0.04)
    assert "1,50× ce document" in rows[0][2] and "(reçu : 60 ms)" in rows[0][1]


def test_the_static_style_is_parsed_once():
    assert rendering.stylesheet() is rendering.stylesheet()


def png(size, mode="RGBA") -> ContentFile:
    buffer = io.BytesIO()
    Image.new(mode, size, (0, 84, 159, 128) if mode == "RGBA" else (0, 84, 159)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="image.png")


def test_issuer_images_are_printed_flattened_at_print_resolution(association):
    association.logo.save("logo.png", png((3000, 1000)))  # a scan far above 300 dpi
    association.signature.save("signature.png", png((300, 110)))
    receipt = ReceiptFactory(rendered=True)
    receipt.refresh_from_db()
    with receipt.pdf.open("rb") as handle:
        page = PdfReader(io.BytesIO(handle.read())).pages[0]
    images = [obj.get_object() for obj in page["/Resources"]["/XObject"].values()]
    assert len(images) == 2
    assert all("/SMask" not in image for image in images)  # no alpha mask to encode
    assert max(image["/Width"] for image in images) <= rendering.IMAGE_MAX_PIXELS[0]
    # Half-transparent blue on white: the page's colours, as before.
    data = images[0].decode_as_image() if hasattr(images[0], "decode_as_image") else None
    if data is not None:
        red, green, blue = data.convert("RGB").getpixel((1, 1))
        assert red > 100 and blue > 180


def test_the_user_agent_style_leaves_out_only_marker_and_note_rules():
    from weasyprint.html import UA

    dropped = [line for line in UA.splitlines() if line.startswith(rendering.UNUSED_UA_RULES)]
    # ::marker, ::footnote-call, ::footnote-marker, ::note-call, ::note-marker, ::note-callback
    assert len(dropped) == 6
    assert all(line.startswith("::") and "{" in line and "}" in line for line in dropped)
    assert rendering.user_agent_stylesheet() is rendering.user_agent_stylesheet()


def test_every_kind_of_receipt_is_written_as_well_formed_xml(association):
    """So that every receipt is read by the fast XML parser, none by the fallback."""
    receipt = ReceiptFactory(first_name="Zoé & Léa", address="3 rue <des> Lilas")
    company = ReceiptFactory(company=True)
    summary = ReceiptFactory(gifts=2, last_name="L'Hôte", request__group_by_donor=True)
    replacement = services.replace(
        receipt.pk, receipt.issued_by, "Nom « erroné » & adresse", last_name="D'Artagnan"
    )
    receipt.refresh_from_db()
    kinds = [(receipt, True), (company, False), (summary, False), (replacement, False)]
    html = rendering.receipts_html([Sheet(r, marked, i) for i, (r, marked) in enumerate(kinds)])
    root = ElementTree.fromstring(html)  # raises if it is not well-formed
    text = "".join(root.itertext())
    assert "Zoé & Léa" in text and "3 rue <des> Lilas" in text and "ANNULÉ" in text
    assert company.company_name in text and "L'Hôte" in text and replacement.number in text


def test_markup_that_is_not_well_formed_xml_is_read_as_html():
    document = rendering._receipt_html()(
        string="<p>Reçu<br>annulé&nbsp;!", base_url=str(settings.BASE_DIR)
    )
    text = PdfReader(io.BytesIO(document.write_pdf())).pages[0].extract_text()
    assert "Reçu" in text and "annulé" in text
