import pytest

from finances import services
from finances.models import Receipt, RenderJob
from tests.accounts.factories import UserFactory
from tests.conftest import wait_for
from tests.finances.factories import submitted_request


@pytest.mark.celery_worker
def test_a_real_worker_renders_every_pdf(celery_worker_process, association):
    """Validation commits, the batches go through Redis to a separate worker process."""
    request = submitted_request(lines=30)
    receipts = services.validate(request.pk, UserFactory(secretariat=True))

    def all_rendered():
        return not Receipt.objects.filter(request=request, pdf="").exists()

    wait_for(all_rendered, timeout=120)
    job = RenderJob.objects.get(request=request)
    wait_for(lambda: RenderJob.objects.get(pk=job.pk).finished_at, timeout=30)
    job.refresh_from_db()
    assert (job.done, job.total, job.failed) == (30, 30, 0)
    for receipt in Receipt.objects.filter(request=request):
        with receipt.pdf.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    assert sorted(r.sequence for r in receipts) == list(range(1, 31))
