"""The annual report of a small department with known data: each `Indicateurs` value, the
PDF's text in French formats in the right sections, the command, the generation from the
browser and the editable texts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from openpyxl import load_workbook
from pypdf import PdfReader

from cooperatives.models import Cooperative
from finances import services
from finances.models import Channel, DonationRequest, Receipt
from occe.core.models import Association, SchoolYear
from occe.reports.generate import INDICATORS_SHEET, generate
from occe.reports.models import GeneratedReport, SectionText
from occe.reports.sections import SECTIONS
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, CooperativeFactory
from tests.finances.factories import DonationLineFactory, DonationRequestFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TZ = datetime.UTC


@pytest.fixture
def frozen():
    with freeze_time("2025-11-20 10:00"):
        yield


def year(start: int) -> SchoolYear:
    return SchoolYear.objects.get_or_create(start_year=start)[0]


def affiliate(start: int, kind=Cooperative.Type.ELEMENTAIRE, *, coop=None, **figures):
    coop = coop or CooperativeFactory(type=kind)
    return AffiliationFactory(cooperative=coop, school_year=year(start), validated=True, **figures)


def validated_request(amounts, decided: datetime.datetime, channel=Channel.COOPERATIVE):
    request = DonationRequestFactory(
        status=DonationRequest.Status.VALIDATED, channel=channel, decided_at=decided
    )
    secretariat = UserFactory(secretariat=True)
    for amount in amounts:
        line = DonationLineFactory(request=request, amount=Decimal(amount))
        prefix, (sequence,) = services.reserve_numbers(decided.year, 1)
        Receipt.objects.create(
            year=decided.year,
            sequence=sequence,
            number=Receipt.format_number(decided.year, sequence, prefix),
            request=request,
            cooperative=request.cooperative,
            donor_type=line.donor_type,
            last_name=line.last_name,
            first_name=line.first_name,
            address=line.address,
            postal_code=line.postal_code,
            city=line.city,
            country=line.country,
            amount=line.amount,
            gift_date=line.date,
            form=line.form,
            nature=line.nature,
            payment_method=line.payment_method,
            issued_at=decided,
            issued_by=secretariat,
            issuer={},
        )
    return request


@pytest.fixture
def department():
    """2024-2025: 2 maternelles, 1 élémentaire, 1 collège and a lycée affiliated (5 coops, 1 858
    members), the lycée struck off since (affiliated that year: counted, and given apart); a
    submitted affiliation left out. 2023-2024: 2 coops, 424 members.
    Receipts: 2 requests of the coops validated in 2024-2025 (3 receipts, 300,50 €), 1 of the
    Trousse (25 €); one request validated in 2023-2024 (not counted in 2024-2025)."""
    Association.objects.update_or_create(pk=1, defaults={"name": "OCCE 99 — Test"})
    affiliate(2024, Cooperative.Type.MATERNELLE, classes=4, pupils=100, adults=6)
    affiliate(2024, Cooperative.Type.MATERNELLE, classes=5, pupils=120, adults=8)
    kept = affiliate(2024, Cooperative.Type.ELEMENTAIRE, classes=10, pupils=250, adults=12)
    affiliate(2024, Cooperative.Type.COLLEGE, classes=12, pupils=340, adults=14)
    struck = affiliate(2024, Cooperative.Type.LYCEE, classes=9, pupils=999, adults=9)
    Cooperative.objects.filter(pk=struck.cooperative_id).update(status=Cooperative.Status.RADIEE)
    AffiliationFactory(school_year=year(2024), submitted=True, pupils=777)
    affiliate(2023, coop=kept.cooperative, classes=8, pupils=200, adults=12)
    affiliate(2023, classes=8, pupils=200, adults=12)
    october = datetime.datetime(2024, 10, 15, 9, tzinfo=TZ)
    validated_request(["150.00", "100.50"], october)
    validated_request(["50.00"], datetime.datetime(2025, 3, 3, 9, tzinfo=TZ))
    validated_request(["25.00"], october, channel=Channel.TROUSSE)
    validated_request(["999.00"], datetime.datetime(2024, 6, 1, 9, tzinfo=TZ))
    SectionText.objects.create(
        school_year=year(2024), section="preambule", text="L'OCCE vise la coopération."
    )
    return year(2024)


EXPECTED = {
    "cooperatives.total": 5,
    "cooperatives.premier_degre": 3,
    "cooperatives.second_degre_et_specialises": 2,
    "cooperatives.type.maternelle": 2,
    "cooperatives.type.elementaire": 1,
    "cooperatives.type.primaire": 0,
    "cooperatives.type.college": 1,
    "cooperatives.type.segpa": 0,
    "cooperatives.type.lycee": 1,
    "cooperatives.type.etablissement_specialise": 0,
    "cooperatives.radiees": 1,
    "adherents.total": 1858,
    "adherents.classes": 40,
    "adherents.eleves": 1809,
    "adherents.adultes": 49,
    "adherents.evolution": 1434,
    "recus.demandes": 2,
    "recus.montant": 300.5,
    "recus.nombre": 3,
    "recus.trousse.demandes": 1,
    "recus.trousse.montant": 25,
    "recus.trousse.nombre": 1,
    "recus.mois.2024_10": 275.5,
    "recus.mois.2025_03": 50,
}
# Keys of the contract that no app of this branch provides yet: listed, empty.
NOT_PROVIDED = ["crfs.attendus", "controles.total", "aap.montant", "solidarite.montant"]


def indicators_sheet(xlsx: bytes) -> dict:
    sheet = load_workbook(io.BytesIO(xlsx))[INDICATORS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("indicateur", "valeur")
    assert all(len(row) == 2 for row in rows)
    return dict(rows[1:])


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text, white space collapsed (the PDF breaks lines anywhere)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_indicateurs_sheet_holds_each_figure(department):
    values = indicators_sheet(generate(department).xlsx)
    for key, expected in EXPECTED.items():
        assert values[key] == expected, key
        if isinstance(expected, int) and not key.startswith("recus.m"):
            assert isinstance(values[key], int), key
    for key in NOT_PROVIDED:
        assert key in values and values[key] is None, key
    # Keys are lower-case ASCII, dotted.
    assert all(key == key.lower() and key.isascii() and " " not in key for key in values)


def test_a_year_without_data_is_not_provided_never_zero():
    values = indicators_sheet(generate(year(2020)).xlsx)
    assert values["cooperatives.total"] is None
    assert values["adherents.total"] is None
    assert values["recus.demandes"] is None


def section_page(pages: list[str], title: str) -> str:
    """The text of a section: from the page its title opens (after the contents) up to the
    page another section's title opens."""
    titles = tuple(section.title for section in SECTIONS)
    found = []
    for text in pages[2:]:
        if text.startswith(titles):
            if found:
                break
            if not text.startswith(title):
                continue
        if found or text.startswith(title):
            found.append(text)
    assert found, f"Section introuvable : {title}"
    return " ".join(found)


def test_pdf_carries_the_figures_in_french_in_their_sections(department):
    pdf = generate(department).pdf
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/Lang"] == "fr"  # tagged, in French
    pages = pdf_pages(pdf)
    assert "Rapport d'activité" in pages[0] and "2024-2025" in pages[0]
    assert "Sommaire" in pages[1] and "Accompagnement des coops" in pages[1]
    assert "Page 2 sur" in pages[1]
    assert "L'OCCE vise la coopération." in section_page(pages, "Préambule")
    coops = section_page(pages, "Nos coopératives")
    assert "5 COOPÉRATIVES SCOLAIRES affiliées, SOIT 1 858 ADHÉRENTS" in coops
    assert "(40 classes, 1 809 élèves et 49 adultes)" in coops
    assert "Dont 1 coopératives radiées depuis." in coops
    assert "3 COOPÉRATIVES SCOLAIRES DANS LE 1ER DEGRÉ : 2 maternelles, 1 élémentaires" in coops
    assert "1 434 de plus" in coops
    support = section_page(pages, "Accompagnement des coops")
    assert (
        "2 demandes transmises par les coopératives scolaires pour un total de 300,50 €" in support
    )
    assert (
        "1 demandes via la plateforme de la Trousse à projets pour un total de 25,00 €" in support
    )
    assert "non renseigné" in support  # the controls, the grants: not in this branch


def test_members_above_a_thousand_are_grouped(department):
    affiliate(2024, pupils=1200, adults=20, classes=40)
    pages = pdf_pages(generate(department).pdf)
    assert "SOIT 3 078 ADHÉRENTS" in section_page(pages, "Nos coopératives")


def test_command_writes_both_files(department, tmp_path):
    call_command("rapport_activite", annee="2024-2025", sortie=str(tmp_path), stdout=io.StringIO())
    assert (tmp_path / "rapport-2024-2025.pdf").read_bytes().startswith(b"%PDF")
    values = indicators_sheet((tmp_path / "rapport-2024-2025.xlsx").read_bytes())
    assert values["cooperatives.total"] == 5


def test_command_fails_on_a_bad_year(tmp_path):
    with pytest.raises(CommandError):
        call_command("rapport_activite", annee="2024-2026", sortie=str(tmp_path))


def test_generation_from_the_browser_keeps_every_file(
    department, world, login, django_capture_on_commit_callbacks
):
    client = login(world.users["administrateur"])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reports:generate"), {"annee": "2024-2025"})
        assert response.status_code == 302
    reports = GeneratedReport.objects.filter(school_year=department)
    assert reports.count() == 2 and all(report.is_ready for report in reports)
    job = reports.first().job
    assert job.status == job.Status.DONE and job.done == job.total > 10
    page = client.get(reverse("reports:index") + "?annee=2024-2025")
    assert page.content.decode().count("Télécharger le PDF") == 2
    pdf = client.get(reverse("reports:download", args=[reports.first().pk, "pdf"]))
    assert pdf["Content-Disposition"].endswith('filename="rapport-2024-2025.pdf"')
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = client.get(reverse("reports:download", args=[reports.first().pk, "xlsx"]))
    assert indicators_sheet(b"".join(xlsx.streaming_content))["adherents.total"] == 1858


def test_a_mandataire_reaches_no_report_url(department, world, login):
    report = GeneratedReport.objects.create(school_year=department)
    client = login(world.users["mandataire"])
    urls = [
        reverse("reports:index"),
        reverse("reports:status", args=[report.pk]),
        reverse("reports:download", args=[report.pk, "pdf"]),
        reverse("reports:text_edit", args=["2024-2025", "preambule"]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("reports:generate"), {"annee": "2024-2025"}).status_code == 403
    assert not GeneratedReport.objects.exclude(pk=report.pk).exists()


def test_staff_edit_a_text_with_preview_and_history(world, login):
    client = login(world.users["animation"])
    url = reverse("reports:text_edit", args=["2025-2026", "formations"])
    SectionText.objects.create(school_year=year(2024), section="formations", text="Texte 2024")
    page = client.get(url)
    assert "Texte 2024" in page.content.decode()  # last year's text proposed
    preview = client.post(url, {"text": "Neuf temps.\n\nDeux sessions.", "apercu": "1"})
    assert "Deux sessions." in preview.content.decode()
    assert not SectionText.objects.filter(school_year=year(2025)).exists()
    assert client.post(url, {"text": "Neuf temps de formation."}).status_code == 302
    assert client.post(url, {"text": "Dix temps de formation."}).status_code == 302
    text = SectionText.objects.get(school_year=year(2025), section="formations")
    assert text.text == "Dix temps de formation." and text.updated_by == world.users["animation"]
    assert text.history.count() == 2
    assert "Neuf temps de formation." in client.get(url).content.decode()  # the history


def test_board_reads_but_does_not_edit_texts(world, login):
    client = login(world.users["administrateur"])
    url = reverse("reports:text_edit", args=["2025-2026", "preambule"])
    assert client.get(url).status_code == 403
    assert client.get(reverse("reports:index")).status_code == 200


def test_unknown_section_is_404(world, login):
    client = login(world.users["secretariat"])
    assert client.get(reverse("reports:text_edit", args=["2025-2026", "nope"])).status_code == 404
    assert timezone.now().year == 2025


def test_figures_take_as_many_queries_whatever_the_number_of_coops(department):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from occe.reports.data import collect

    with CaptureQueriesContext(connection) as before:
        collect(department)
    for kind in (Cooperative.Type.PRIMAIRE, Cooperative.Type.SEGPA, Cooperative.Type.LYCEE):
        for _ in range(5):
            affiliate(2024, kind)
            affiliate(2023, kind)
    with CaptureQueriesContext(connection) as after:
        data = collect(department)
    assert len(after) == len(before)
    assert data.get("cooperatives.total") == 20


def test_bench_reports_generation_beside_bare_rendering(department):
    from tests.bench import reports as benchmarks

    rows = []
    benchmarks.run(lambda *row: rows.append(row))
    assert len(rows) == 3
    assert "rendu WeasyPrint seul du même HTML" in rows[1][2]
    assert "requêtes" in rows[2][1]


def test_activity_plan_of_next_year_from_the_command(department, tmp_path):
    SectionText.objects.create(
        school_year=year(2026), section="projet_selection", text="Priorité aux nouvelles coops."
    )
    call_command(
        "rapport_activite",
        annee="2026-2027",
        sortie=str(tmp_path),
        projet=True,
        stdout=io.StringIO(),
    )
    pages = pdf_pages((tmp_path / "projet-2026-2027.pdf").read_bytes())
    assert "Projet d'activité" in pages[0] and "2026-2027" in pages[0]
    text = " ".join(pages)
    assert "Règles de sélection des classes" in text
    assert "Priorité aux nouvelles coops." in text
    assert "Projet d'activité 2026-2027" in pages[1]  # the footer
    assert "COOPÉRATIVES SCOLAIRES" not in text  # the report's figures are not the plan's


def test_activity_plan_from_the_browser_with_its_texts(
    department, world, login, django_capture_on_commit_callbacks
):
    client = login(world.users["secretariat"])
    url = reverse("reports:text_edit", args=["2026-2027", "projet_accompagnement"])
    assert client.post(url, {"text": "Des visites dans les écoles."}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:generate"), {"annee": "2026-2027", "document": "projet"}
        )
    assert response.url.endswith("?annee=2025-2026")
    plan = GeneratedReport.objects.get(kind=GeneratedReport.Kind.PLAN)
    assert plan.is_ready and plan.school_year.label == "2026-2027"
    page = client.get(response.url).content.decode()
    assert "Projet d&#x27;activité 2026-2027" in page and "Des visites dans les écoles." in page
    pdf = client.get(reverse("reports:download", args=[plan.pk, "pdf"]))
    assert pdf["Content-Disposition"].endswith('filename="projet-2026-2027.pdf"')
    text = " ".join(pdf_pages(b"".join(pdf.streaming_content)))
    assert "Des visites dans les écoles." in text
    # No report of a year not begun, no plan beyond next year.
    for data in ({"annee": "2026-2027"}, {"annee": "2027-2028", "document": "projet"}):
        assert client.post(reverse("reports:generate"), data).status_code == 404


def test_a_second_delivery_of_the_job_keeps_the_files(department):
    from occe.core.jobs import launch, run_job
    from occe.core.models import Job

    report = GeneratedReport.objects.create(school_year=department)
    job = launch("reports.annual", parameters={"report": report.pk}, obj=report)
    run_job(job.pk)  # eager, outside on_commit here
    report.refresh_from_db()
    assert report.is_ready and report.finished_at
    files = (report.pdf.name, report.xlsx.name)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.PENDING)
    run_job(job.pk)  # delivered again
    report.refresh_from_db()
    assert (report.pdf.name, report.xlsx.name) == files
    assert Job.objects.get(pk=job.pk).status == Job.Status.DONE
