"""`make bench` rows for the receipts: from validation to stored PDF, beside bare rendering.

Bare rendering (the reference): one receipt per WeasyPrint document with the shared font
configuration (`finances.rendering.render_one_bare`), in this process, averaged over a few
receipts, inside a transaction that is rolled back.

The chain, when a Redis broker answers (CELERY_BROKER_URL, else redis://127.0.0.1:6379/15):
a real `celery -A occe worker` is started with its default concurrency (no --concurrency: one
process per CPU) on a queue of its own, against the bench's throwaway database (a temporary
SQLite file or PostgreSQL database, reached through DATABASE_URL) and a temporary MEDIA_ROOT.
The data are committed (the database is thrown away afterwards). After a warm-up request (one
batch per worker process: fonts loaded, as in a running worker), for each count of
BENCH_RECEIPTS ("1000,10000" by default) the time runs from calling `services.validate` (which
numbers the receipts and queues their batches on commit) until every receipt of the request has
its PDF stored (the database is polled every 0.5 s). It is given per receipt of wall-clock time
and compared with bare rendering divided by the number of worker processes (like with like).
The worker's peak memory is the high-water mark (VmHWM of /proc/<pid>/status) of each of its
processes, read just before it is stopped. A count above 1 000 is measured once per run (at the
first scale): rendering does not depend on the number of cooperatives, and 10 000 receipts take
about 6 minutes on 2 cores.

Without a broker, the former in-process measurement is the fallback (and the rows say so): the
body of the Celery task (`tasks.render_receipts.run`) on every batch, in this process, inside a
rolled-back transaction; above 1 000 receipts, as many batches as BENCH_RECEIPTS_BUDGET seconds
allow (60 by default; BENCH_FULL=1 renders them all).
"""

import contextlib
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cooperatives.models import Cooperative
from finances import services, tasks
from finances.models import RENDER_JOB, DonationLine, DonationRequest, PaymentMethod, Receipt
from finances.rendering import render_one_bare
from occe.accounts.models import Role, User
from occe.core.models import Job
from tests.bench.workers import database_url, worker_command

LOCAL_BROKER = "redis://127.0.0.1:6379/15"
DEFAULT_COUNTS = "1000,10000"
BARE_SAMPLE = 30  # receipts rendered one by one for the reference (after one to load fonts)
ONCE_ABOVE = 1000  # larger counts are measured at the first scale of a run only
POLL_INTERVAL = 0.5
STALL_TIMEOUT = 180  # seconds without a new PDF: the worker is stuck, give up
READY_TIMEOUT = 90

_measured: set[int] = set()  # counts above ONCE_ABOVE already measured in this process


class BenchError(Exception):
    """The worker chain could not be measured; the message goes into the table."""


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def receipt_counts() -> list[int]:
    raw = os.environ.get("BENCH_RECEIPTS") or DEFAULT_COUNTS
    return [int(part) for part in raw.replace(" ", "").split(",") if part]


def _count_label(count: int) -> str:
    return f"{count:,}".replace(",", " ")


def reachable_broker() -> str | None:
    """The Redis broker's URL if it answers a ping, else None."""
    url = getattr(settings, "CELERY_BROKER_URL", "") or LOCAL_BROKER
    if not url.startswith(("redis://", "rediss://")):
        return None
    try:
        import redis
    except ImportError:
        return None
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except (redis.exceptions.RedisError, OSError):
        return None
    finally:
        client.close()
    return url


# --- Data ------------------------------------------------------------------------------------


def _fixtures() -> tuple[User, Cooperative]:
    user, _ = User.objects.get_or_create(
        email="bench-recus@exemple.invalid",
        defaults={"role": Role.SECRETARIAT, "last_name": "Bench"},
    )
    cooperative, _ = Cooperative.objects.get_or_create(
        number="BENCH-RECUS",
        defaults={
            "uai": "0920001C",
            "name": "École du banc d'essai",
            "type": Cooperative.Type.ELEMENTAIRE,
            "commune": "Nanterre",
        },
    )
    return user, cooperative


def _request(cooperative, user, count: int) -> DonationRequest:
    request = DonationRequest.objects.create(
        cooperative=cooperative,
        created_by=user,
        certified=True,
        status=DonationRequest.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    day = timezone.localdate() - timezone.timedelta(days=20)
    DonationLine.objects.bulk_create(
        DonationLine(
            request=request,
            position=i,
            last_name=f"Donateur{request.pk}-{i}",
            first_name="Camille",
            address=f"{i % 90 + 1} avenue de la République",
            postal_code="92000",
            city="Nanterre",
            country="France",
            amount=Decimal("100") + Decimal(i % 400),
            date=day,
            payment_method=PaymentMethod.CHEQUE,
        )
        for i in range(count)
    )
    return request


def _bare_seconds(cooperative, user) -> tuple[float, float, float]:
    """Seconds per receipt (elapsed), one receipt per document, fonts already loaded; and the
    processor seconds of a receipt and of the reference page, the two rendered in turn so that
    the machine's load weighs on both alike. Nothing kept."""
    with transaction.atomic():
        sample = _request(cooperative, user, BARE_SAMPLE + 1)
        receipts = list(
            Receipt.objects.filter(pk__in=[r.pk for r in services.validate(sample.pk, user)])
            .select_related("cooperative")
            .prefetch_related("lines")
        )
        render_one_bare(receipts[0])  # fonts loaded once, as in a warm worker
        reference_page_pdf()
        elapsed = processor = reference = 0.0
        for receipt in receipts[1:]:
            start, start_cpu = time.perf_counter(), time.process_time()
            render_one_bare(receipt)
            elapsed += time.perf_counter() - start
            middle = time.process_time()
            processor += middle - start_cpu
            reference_page_pdf()
            reference += time.process_time() - middle
        # No number consumed, and the rendering tasks queued on commit are dropped.
        transaction.set_rollback(True)
    count = len(receipts) - 1
    return elapsed / count, processor / count, reference / count


def _report_bare(report, bare: tuple[float, float, float], where: str) -> None:
    elapsed, processor, reference = bare
    report(
        f"reçus : rendu WeasyPrint seul (1 reçu par document, {where})",
        f"{elapsed * 1000:.0f} ms/reçu par processus",
        "référence",
    )
    report_reference_page(report, processor, reference=reference)


# A plain page: paragraphs of running text in the receipts' font and size, no image, no table,
# no box; about one A4 page (checked by the test of this row).
REFERENCE_PARAGRAPH = (
    "<p>" + "Le bénéficiaire reconnaît avoir reçu au titre des dons et versements ouvrant droit à "
    "réduction d'impôt la somme indiquée ci-dessous. " * 4 + "</p>"
)
REFERENCE_PAGE = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 1.5cm 1.4cm 1.4cm; }}
body {{ font-family: "DejaVu Sans", sans-serif; font-size: 8.4pt; line-height: 1.28; }}
</style></head><body><h1>Document de référence</h1>{REFERENCE_PARAGRAPH * 9}</body></html>"""


def reference_page_pdf() -> bytes:
    from weasyprint import HTML

    from occe.core.pdf import font_config

    return HTML(string=REFERENCE_PAGE).write_pdf(font_config=font_config())


def report_reference_page(
    report, bare: float, samples: int | None = None, reference: float | None = None
) -> float:
    """The row of the plain one-page reference document, rendered like a bare receipt (one per
    document, fonts loaded) in the same run, and the receipt's ratio to it. `bare` and
    `reference` in processor seconds, measured in turn (`_bare_seconds`); without `reference`,
    the page is timed here. Self-contained: it takes the `report` callback."""
    if reference is None:
        samples = samples or BARE_SAMPLE
        reference_page_pdf()  # fonts loaded
        start = time.process_time()
        for _ in range(samples):
            reference_page_pdf()
        reference = (time.process_time() - start) / samples
    report(
        "reçus : document de référence (une page de texte simple, mêmes polices, 1 par document, "
        "rendu en alternance avec un reçu)",
        f"{reference * 1000:.0f} ms/document en temps processeur (reçu : {bare * 1000:.0f} ms)",
        f"rendu seul d'un reçu : {bare / reference:.2f}× ce document (cible ≤ 1,5×)".replace(
            ".", ","
        ),
    )
    return reference


# --- The real worker -------------------------------------------------------------------------


def _proc_status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def _vmhwm_mb(pid: int) -> float | None:
    value = _proc_status(pid).get("VmHWM", "")
    match = re.match(r"\s*(\d+)\s*kB", value)
    return int(match.group(1)) / 1024 if match else None


class Worker:
    """`celery -A occe worker` in a subprocess, on a queue of its own, default concurrency."""

    def __init__(self, broker: str, media: str, directory: str):
        self.broker = broker
        self.tag = f"bench-recus-{os.getpid()}-{secrets.token_hex(3)}"
        self.queue = self.tag
        self.log = Path(directory) / "worker.log"
        self.media = media
        self.process: subprocess.Popen | None = None
        self.pids: list[int] = []
        self._saved_conf: dict = {}

    def start(self) -> None:
        from occe.celery import app

        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker,
            "MEDIA_ROOT": self.media,
        }
        command = worker_command(self.queue, "-n", f"{self.tag}@%h")
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
            )
        # This process now queues the tasks on that broker and queue instead of running them.
        keys = ("broker_url", "task_default_queue", "task_always_eager")
        self._saved_conf = {key: app.conf[key] for key in keys}
        app.conf.update(broker_url=self.broker, task_default_queue=self.queue)
        app.conf.task_always_eager = False
        _reset_producer(app)
        self._wait_ready()
        self.pids = _children(self.process.pid)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"le worker s'est arrêté au démarrage : {self.log_tail()}")
            if " ready." in self.log.read_text(errors="replace"):
                return
            time.sleep(0.2)
        raise BenchError(f"worker pas prêt après {READY_TIMEOUT} s")

    @property
    def concurrency(self) -> int:
        return len(self.pids)

    def check(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(f"le worker s'est arrêté : {self.log_tail()}")

    def memory(self) -> tuple[float | None, list[float]]:
        """VmHWM in MB: (main process, [each pool process])."""
        children = [_vmhwm_mb(pid) for pid in _children(self.process.pid)]
        return _vmhwm_mb(self.process.pid), [m for m in children if m is not None]

    def log_tail(self, size: int = 600) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return " ".join(text[-size:].split())

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)  # warm shutdown: running tasks end
                try:
                    self.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
            for pid in self.pids:  # pool processes left behind by a kill
                if _proc_status(pid).get("PPid", "").strip() in ("1", str(self.process.pid)):
                    with contextlib.suppress(OSError):
                        if b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes():
                            os.kill(pid, signal.SIGKILL)
        if self._saved_conf:
            from occe.celery import app

            app.conf.update(self._saved_conf)
            _reset_producer(app)
            self._saved_conf = {}
        self._clean_broker()

    def _clean_broker(self) -> None:
        import redis

        client = redis.Redis.from_url(self.broker, socket_connect_timeout=2, socket_timeout=5)
        try:
            client.delete(self.queue)
            for key in client.scan_iter(match=f"*{self.tag}*"):
                client.delete(key)
            for key in client.scan_iter(match="_kombu.binding.*"):
                stale = [m for m in client.smembers(key) if self.tag.encode() in m]
                if stale:
                    client.srem(key, *stale)
        except (redis.exceptions.RedisError, OSError):
            pass
        finally:
            client.close()


def _reset_producer(app) -> None:
    """Forget the broker pool and queues Celery cached for the previous configuration (the pool
    is not closed: kombu keeps one per broker URL for the whole process and hands it out again)."""
    app._pool = None
    app.__dict__.pop("amqp", None)


def _wait_rendered(worker: Worker, request_id: int) -> None:
    """Return once every receipt of the request has its PDF stored (polling the database)."""
    missing_before, changed = None, time.monotonic()
    while True:
        missing = Receipt.objects.filter(request_id=request_id, pdf="").count()
        if not missing:
            return
        worker.check()
        failed = Job.objects.filter(
            kind=RENDER_JOB, object_id=request_id, status=Job.Status.FAILED
        ).first()
        if failed:
            raise BenchError(f"production des PDF en échec : {failed.error[:200]}")
        now = time.monotonic()
        if missing != missing_before:
            missing_before, changed = missing, now
        elif now - changed > STALL_TIMEOUT:
            raise BenchError(f"aucun PDF depuis {STALL_TIMEOUT} s, {missing} manquants")
        time.sleep(POLL_INTERVAL)


def _worker_chain(worker: Worker, cooperative, user, count: int) -> tuple[float, float]:
    """(seconds from validate() to the last PDF stored, seconds of validate() itself)."""
    request = _request(cooperative, user, count)
    start = time.perf_counter()
    services.validate(request.pk, user)  # autocommit: the batches are queued on return
    validated = time.perf_counter()
    _wait_rendered(worker, request.pk)
    elapsed = time.perf_counter() - start
    missing = [
        path
        for path in Receipt.objects.filter(request=request).values_list("pdf", flat=True)
        if not (Path(worker.media) / path).is_file()
    ]
    if missing:
        raise BenchError(f"{len(missing)} PDF marqués stockés mais absents du disque")
    return elapsed, validated - start


def _run_with_worker(report, broker: str, counts: list[int], media: str, directory: str) -> None:
    user, cooperative = _fixtures()
    measured = _bare_seconds(cooperative, user)
    _report_bare(report, measured, "1 processus")
    bare = measured[0]
    worker = Worker(broker, media, directory)
    try:
        started = time.perf_counter()
        worker.start()
        n = worker.concurrency
        # One batch per pool process: fonts and templates loaded, as in a running worker.
        warm_up = _request(cooperative, user, n * tasks.BATCH_SIZE)
        services.validate(warm_up.pk, user)
        _wait_rendered(worker, warm_up.pk)
        warm = time.perf_counter() - started
        for count in counts:
            label = _count_label(count)
            measure = (
                f"reçus : validation → PDF stocké, {label} reçus, worker Celery réel "
                f"(concurrence par défaut)"
            )
            if count > ONCE_ABOVE and count in _measured:
                report(measure, "mesuré à la première échelle de cette exécution", "—")
                continue
            try:
                elapsed, validation = _worker_chain(worker, cooperative, user, count)
            except BenchError as exc:
                report(measure, f"non mesuré : {exc}", "—")
                break
            if count > ONCE_ABOVE:
                _measured.add(count)
            chain = elapsed / count
            parallel_bare = bare / n
            report(
                measure,
                f"chaîne : {chain * 1000:.1f} ms/reçu ({count / elapsed:.1f} reçus/s, "
                f"{n} processus) ; rendu seul : {bare * 1000:.0f} ms/reçu par processus → "
                f"{parallel_bare * 1000:.1f} ms/reçu à {n} processus ; "
                f"rapport {chain / parallel_bare:.2f}×",
                f"cible ≤ 1,5× ; durée {elapsed:.1f} s dont validation {validation:.1f} s "
                f"(worker démarré et préchauffé en {warm:.1f} s)",
            )
        main, pool = worker.memory()
        per_process = " / ".join(f"{m:.0f}" for m in pool) or "?"
        report(
            f"reçus : mémoire maximale d'un processus du worker (VmHWM, lots de "
            f"{tasks.BATCH_SIZE})",
            f"{max(pool, default=0):.0f} Mo (processus de rendu : {per_process} Mo ; "
            f"processus principal : {main or 0:.0f} Mo)",
            f"processus du bench : {_maxrss_mb():.0f} Mo (maxrss)",
        )
    except BenchError as exc:
        report("reçus : chaîne avec un worker Celery réel", f"non mesurée : {exc}", "—")
    finally:
        worker.stop()


# --- In-process fallback ---------------------------------------------------------------------


def _chain_in_process(cooperative, user, count: int, budget: float | None):
    """(validation seconds, seconds per rendered receipt from validation to stored PDF, count
    rendered)."""
    request = _request(cooperative, user, count)
    start = time.perf_counter()
    receipts = services.validate(request.pk, user)
    validated = time.perf_counter()
    job = request.render_job()
    ids = [r.pk for r in receipts]
    rendered = 0
    for offset in range(0, len(ids), tasks.BATCH_SIZE):
        batch = ids[offset : offset + tasks.BATCH_SIZE]
        tasks.render_receipts.run(job.pk, batch)
        rendered += len(batch)
        if budget is not None and time.perf_counter() - validated > budget:
            break
    elapsed = time.perf_counter() - start
    validation = validated - start
    # Validation time is spread over all receipts; rendering over those rendered.
    per_receipt = validation / count + (elapsed - validation) / rendered
    return validation, per_receipt, rendered


def _run_in_process(report, counts: list[int]) -> None:
    full = os.environ.get("BENCH_FULL") == "1"
    budget = None if full else float(os.environ.get("BENCH_RECEIPTS_BUDGET", "60"))
    why = "sans worker : aucun broker Redis joignable, rendu dans ce processus"
    with transaction.atomic():
        user, cooperative = _fixtures()
        rss_before = _maxrss_mb()
        measured = _bare_seconds(cooperative, user)
        _report_bare(report, measured, "1 processus")
        bare = measured[0]
        for count in counts:
            label = _count_label(count)
            validation, per_receipt, rendered = _chain_in_process(
                cooperative, user, count, budget if count > ONCE_ABOVE else None
            )
            done = "" if rendered == count else f", {rendered} rendus"
            report(
                f"reçus : validation → PDF stocké, {label} reçus{done} ({why})",
                f"{per_receipt * 1000:.0f} ms/reçu sur 1 processus "
                f"({per_receipt / bare:.2f}× le rendu seul ; validation {validation:.1f} s)",
                f"≤ 1,5× le rendu seul ({bare * 1500:.0f} ms)",
            )
        report(
            f"reçus : mémoire maximale du processus de rendu (lots de {tasks.BATCH_SIZE}, {why})",
            f"{_maxrss_mb():.0f} Mo",
            f"{rss_before:.0f} Mo avant les rendus",
        )
        transaction.set_rollback(True)


def run(report) -> None:
    from . import finances_crfs

    finances_crfs.run(report)
    counts = receipt_counts()
    directory = tempfile.mkdtemp(prefix="bench-recus-")
    media = os.path.join(directory, "media")
    os.makedirs(media)
    try:
        with override_settings(MEDIA_ROOT=media):
            broker = reachable_broker()
            if broker:
                _run_with_worker(report, broker, counts, media, directory)
            else:
                _run_in_process(report, counts)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
