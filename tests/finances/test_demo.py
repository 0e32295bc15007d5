"""The demo data reproduce the seed report's receipts for the previous school year."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cooperatives.demo import generate
from finances import demo
from finances.models import Channel, DonationRequest, Receipt, ReceiptCounter
from finances.registers import numbering_check
from finances.services import line_problems
from finances.services.receipts import _already_receipted
from occe.accounts.models import Role, User
from occe.core.demo_apps import DemoContext
from occe.core.models import SchoolYear

pytestmark = pytest.mark.django_db


def test_department_scale_gives_the_seed_reports_receipts(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    generate(30, seed=3)
    # The department's figures, spread over the 30 cooperatives generated.
    lines = demo.populate(DemoContext(seed=3, coops=625))
    previous = SchoolYear.objects.current().previous()

    figures = demo.demo_year_figures(previous)

    assert figures[Channel.COOPERATIVE] == (508, Decimal("150859"))
    assert figures[Channel.TROUSSE] == (166, Decimal("14721"))
    assert "508 demandes des coopératives pour 150\u00a0859 €" in lines[0]
    # Every receipt is numbered without gap per year, the counters agree.
    for counter in ReceiptCounter.objects.all():
        assert numbering_check(counter.year).ok
        assert Receipt.objects.filter(year=counter.year).count() == counter.last_number
    # Each gift has its receipt, and a receipt adds up its gifts.
    validated = DonationRequest.objects.filter(status=DonationRequest.Status.VALIDATED)
    assert not validated.filter(lines__receipt__isnull=True).exists()
    assert Receipt.objects.filter(summary_year__isnull=False).exists()
    # The requests staff review this year pass the eligibility rules.
    for request in DonationRequest.objects.filter(status=DonationRequest.Status.SUBMITTED):
        assert not line_problems(request)
        assert not _already_receipted(list(request.lines.all()))
    # The demo mandataire's latest receipts can be downloaded at once.
    assert Receipt.objects.exclude(pdf="").exists()


def test_demo_data_scales_the_receipts_with_the_department(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()
    call_command("demo_data", "--force", "--scale", "test", "--seed", "2", stdout=out)
    previous = SchoolYear.objects.current().previous()
    figures = demo.demo_year_figures(previous)
    # 30 coops of 625: 508 × 0.048 = 24 requests, 150 859 € × 0.048 = 7 241 €.
    assert figures[Channel.COOPERATIVE] == (24, Decimal("7241"))
    assert figures[Channel.TROUSSE] == (8, Decimal("707"))
    assert "Reçus fiscaux" in out.getvalue()


def test_a_part_is_one_line_of_parts(monkeypatch):
    calls = []
    monkeypatch.setattr(
        demo, "PARTS", ["finances.demo.populate_receipts", "tests.finances.test_demo._part"]
    )
    monkeypatch.setattr(demo, "populate_receipts", lambda context: calls.append(1) or "reçus")
    assert demo.populate(DemoContext(seed=1, coops=30)) == ["reçus", "partie", "suite"]
    assert calls == [1]


def _part(context):
    return ["partie", "suite"]


def test_the_demo_requests_without_pdfs_say_so_and_relancer_renders_them(
    settings, tmp_path, client, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    generate(10, seed=4)
    demo.populate(DemoContext(seed=4, coops=10))
    staff = User.objects.filter(role=Role.SECRETARIAT).first()
    missing = Receipt.objects.filter(pdf="").values("request")
    donation_request = DonationRequest.objects.filter(pk__in=missing).order_by("pk").first()
    page = reverse("finances:request_detail", args=[donation_request.pk])
    client.force_login(staff)

    content = client.get(page).content.decode()
    assert "pas encore été produits" in content
    assert ">Relancer</button>" in content
    job = donation_request.render_job()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_retry", args=[job.pk]), {"next": page})

    assert not donation_request.receipts.filter(pdf="").exists()
    assert "Avancement" in client.get(page).content.decode()
