"""Cooperatives' figures for `make bench`, each with a baseline measured the same way.

- the list page `/cooperatives/`: median server time and query count, against a minimal view
  making one query, through the same middleware (this module doubles as the URLconf);
- the Excel export of every cooperative, against openpyxl writing as many rows of plain values;
- the import of a 6 250-row file, against openpyxl merely reading that file, tasks queued (in
  memory) rather than run, then the invitation batch it queued, run as the worker would.

The import runs last: it adds cooperatives, which would skew the other figures.
"""

import io
import statistics
import time
from contextlib import contextmanager

from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import path
from openpyxl import Workbook, load_workbook

from cooperatives.models import Cooperative, uai_check_letter
from occe.accounts.mfa import activate_totp, force_login
from occe.accounts.models import Role, User
from occe.accounts.tasks import INVITATIONS
from occe.core.jobs import run_job
from occe.core.models import Job, SchoolYear
from occe.core.spreadsheets import normalize_header, write_xlsx

IMPORT_ROWS = 6250
LIST_REQUESTS = 20
BENCH_EMAIL = "bench-secretariat@occe92.test"


def _n(value: float) -> str:
    """146262 -> '146 262'."""
    return f"{value:,.0f}".replace(",", " ")


def minimal_view(request):
    """The baseline: a view doing one query and returning a tiny response."""
    return HttpResponse(str(Cooperative.objects.order_by("pk").values_list("pk", flat=True)[:1]))


def _urlpatterns():
    from occe.urls import urlpatterns

    return [path("bench/minimal/", minimal_view), *urlpatterns]


urlpatterns = _urlpatterns()


def run(report) -> None:
    year = SchoolYear.objects.current()
    measure_list_page(report, _secretariat())
    try:
        from cooperatives import exchange

        exchange.plan_import, exchange.apply_import, exchange.export_workbook  # noqa: B018
        columns = list(exchange.COLUMNS)
    except (ImportError, AttributeError) as exc:
        reason = f"non mesuré : cooperatives.exchange incomplet ({exc})"
        report("Export Excel de toutes les coopératives", reason, "—")
        report(f"Import d'un fichier de {_n(IMPORT_ROWS)} lignes", reason, "—")
        return
    measure_export(report, exchange, columns, year)
    measure_import(report, exchange, columns, year)


def _secretariat() -> User:
    user = User.objects.filter(email=BENCH_EMAIL).first()
    if user is None:
        user = User.objects.create_user(BENCH_EMAIL, role=Role.SECRETARIAT)
    activate_totp(user)
    return user


def _timed_gets(client: Client, url: str) -> tuple[float, int]:
    """(median milliseconds, queries of one request) for `url`, after a warm-up."""
    for _ in range(2):
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{url} a répondu {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # now: the captured list is read lazily from the connection's log
    durations = []
    for _ in range(LIST_REQUESTS):
        started = time.perf_counter()
        client.get(url)
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations), count


def measure_list_page(report, user) -> None:
    client = Client()
    force_login(client, user)  # the session passed the second factor, as after a real login
    # DEBUG off, as in production (debug mode keeps every query in memory).
    with override_settings(
        ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=["testserver", "localhost"]
    ):
        page_ms, page_queries = _timed_gets(client, "/cooperatives/")
        base_ms, base_queries = _timed_gets(client, "/bench/minimal/")
    report(
        f"Liste /cooperatives/ (médiane de {LIST_REQUESTS} requêtes, secrétariat)",
        f"{page_ms:.1f} ms, {page_queries} requêtes SQL",
        f"vue minimale à une requête : {base_ms:.1f} ms, {base_queries} requêtes SQL",
    )


def measure_export(report, exchange, columns, year) -> None:
    count = Cooperative.objects.count()
    started = time.perf_counter()
    exchange.export_workbook(Cooperative.objects.all(), year)
    elapsed = time.perf_counter() - started

    started = time.perf_counter()
    # As many columns as the export writes (the import's, then the ones for reading).
    headers = [column.header for column in exchange.CooperativeExporter.columns]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Feuille")
    sheet.append(headers)
    for i in range(count):
        sheet.append([f"valeur {i} {j}" if j % 2 else i + j for j in range(len(headers))])
    workbook.save(io.BytesIO())
    baseline = time.perf_counter() - started
    report(
        f"Export Excel de toutes les coopératives ({_n(count)} lignes)",
        f"{elapsed:.2f} s ({_n(count / elapsed)} lignes/s)",
        f"openpyxl seul, valeurs brutes : {baseline:.2f} s ({_n(count / baseline)} lignes/s)",
    )


def import_file(exchange, columns, year, rows: int) -> bytes:
    """A file of `rows` new cooperatives, shaped like the export (cloned with new numbers, UAIs).

    The rows are copied from an export of existing cooperatives, so every column holds what the
    application itself writes; only the identifying columns change.
    """
    sample_queryset = Cooperative.objects.active().order_by("pk")[:50]
    exported = load_workbook(
        io.BytesIO(exchange.export_workbook(sample_queryset, year)), read_only=True
    )
    sheet_rows = list(exported.worksheets[0].iter_rows(values_only=True))
    exported.close()
    header, samples = [normalize_header(h) for h in sheet_rows[0]], sheet_rows[1:]
    order = [
        header.index(normalize_header(c)) if normalize_header(c) in header else None
        for c in columns
    ]
    keys = [normalize_header(c) for c in columns]

    def find(*words):
        return next((i for i, key in enumerate(keys) if any(w in key for w in words)), None)

    number_col, uai_col, name_col = (
        find("numero"),
        find("uai"),
        keys.index("nom") if "nom" in keys else None,
    )
    email_col = find("courriel")
    result = []
    for i in range(rows):
        source = samples[i % len(samples)]
        row = [source[j] if j is not None and j < len(source) else None for j in order]
        digits = f"{9300000 + i:07d}"
        if number_col is not None:
            row[number_col] = f"99{i:05d}"
        if uai_col is not None:
            row[uai_col] = digits + uai_check_letter(digits)
        if name_col is not None:
            row[name_col] = f"École de l'import {i}"
        if email_col is not None and row[email_col]:
            row[email_col] = f"import.{i}@occe92.test"
        result.append(row)
    return write_xlsx(columns, result)


@contextmanager
def tasks_queued_in_memory():
    """Tasks queued on commit go to an in-memory broker instead of running at once, so the
    import is timed alone and the worker's share (the invitations) is then run and timed
    apart, in this process."""
    from occe.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url="memory://", task_always_eager=False)
    _forget_producer(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_producer(app)


def _forget_producer(app) -> None:
    # Celery caches the broker pool and queues of the previous configuration.
    app._pool = None
    app.__dict__.pop("amqp", None)


def _bare_read(data: bytes) -> tuple[int, float, float]:
    """openpyxl merely reading the file: (rows, seconds, CPU seconds of this process)."""
    cpu, started = time.process_time(), time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    workbook.close()
    return rows, time.perf_counter() - started, time.process_time() - cpu


def measure_import(report, exchange, columns, year) -> None:
    data = import_file(exchange, columns, year, IMPORT_ROWS)

    read, before, before_cpu = _bare_read(data)

    count_before = Cooperative.objects.count()
    first_job = Job.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with tasks_queued_in_memory():
        cpu, started = time.process_time(), time.perf_counter()
        plan = exchange.plan_import(data, year)
        planned = time.perf_counter() - started
        result = exchange.apply_import(plan, user=None) or {}
        elapsed = time.perf_counter() - started
        elapsed_cpu = time.process_time() - cpu
    created = Cooperative.objects.count() - count_before
    # The reference is read before and after the import, and averaged: on a shared machine the
    # load changes during a run.
    _, after, after_cpu = _bare_read(data)
    baseline, baseline_cpu = (before + after) / 2, (before_cpu + after_cpu) / 2
    report(
        f"Import d'un fichier de {_n(read)} lignes (analyse + enregistrement, historique "
        "compris ; tâches en file)",
        f"{elapsed:.2f} s ({_n(read / elapsed)} lignes/s ; {elapsed / baseline:.1f}× la "
        f"lecture, en temps CPU de ce processus {elapsed_cpu / baseline_cpu:.1f}× ; dont "
        f"analyse {planned:.2f} s ; {_n(created)} coopératives et "
        f"{_n(result.get('mandataires', 0))} mandataires créés)",
        f"lecture openpyxl seule (moyenne avant/après) : {baseline:.2f} s "
        f"({_n(read / baseline)} lignes/s) ; cible ≥ 2 000 lignes/s, ≤ 4× la lecture",
    )
    measure_invitations(report, first_job, elapsed)


def measure_invitations(report, first_job: int, import_seconds: float) -> None:
    """The invitation batch the import queued, run as the worker would (the task's body, in
    this process, e-mails kept in memory)."""
    jobs = list(Job.objects.filter(pk__gt=first_job, kind=INVITATIONS).order_by("pk"))
    if not jobs:
        report("Invitations des nouveaux mandataires", "non mesuré : aucune invitation", "—")
        return
    total = sum(job.total for job in jobs)
    sent_before = len(getattr(mail, "outbox", []))
    started = time.perf_counter()
    for job in jobs:
        run_job.apply(args=(job.pk,))
    elapsed = time.perf_counter() - started
    sent = len(getattr(mail, "outbox", [])) - sent_before
    failed = Job.objects.filter(pk__in=[j.pk for j in jobs]).exclude(status=Job.Status.DONE)
    outcome = f"{_n(sent)} courriels" if not failed.exists() else "ÉCHEC du travail"
    report(
        f"Invitations des {_n(total)} nouveaux mandataires (travail du worker, dans ce "
        "processus, une connexion SMTP)",
        f"{elapsed:.2f} s ({_n(total / elapsed)} invitations/s ; {outcome} ; "
        f"{elapsed / import_seconds:.2f}× l'import)",
        f"import : {import_seconds:.2f} s ; cible ≤ 3× l'import",
    )
