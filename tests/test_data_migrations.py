"""Every data migration is tested: the old shape is built with rows, the migration runs, the
rows are checked. A new RunPython operation fails `test_every_data_migration_has_a_test` until
a test is added here (or, for a RunPython that moves no data, a reason in NOT_DATA)."""

import datetime
import importlib
import inspect
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython

# (app, migration) -> the test of its RunPython.
TESTED = {
    (
        "accounts",
        "0002_cache_table_and_verified_addresses",
    ): "test_accounts_0002_cache_and_addresses",
    ("cooperatives", "0003_fee_payments_and_bounds"): "test_cooperatives_0003_clamp_affiliations",
    ("cooperatives", "0003_importbatch_to_core"): "test_cooperatives_0003_import_batches_moved",
    ("core", "0003_affiliation_deadline_rate_bounds"): "test_core_0003_clamp_rates",
    ("finances", "0002_receipt_issuer_history"): "test_finances_0002_backfill",
    ("finances", "0004_freeze_existing_receipts"): "test_finances_0004_freeze_receipts",
    ("finances", "0005_receipt_guard_triggers"): "test_finances_0005_guard_triggers",
    ("formations", "0002_default_themes"): "test_formations_0002_default_themes",
    ("finances", "0006_receipt_anonymisation"): "test_finances_0006_guard_with_anonymisation",
    ("finances", "0011_render_jobs_to_core_jobs"): "test_finances_0011_render_jobs_moved",
}
# (app, migration) -> why its RunPython moves no data.
NOT_DATA: dict[tuple[str, str], str] = {}


def project_data_migrations() -> set[tuple[str, str]]:
    """The project's migrations (not third-party ones) with a RunPython operation."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    base = str(settings.BASE_DIR)
    found = set()
    for (app, name), migration in loader.disk_migrations.items():
        module_file = inspect.getfile(type(migration))
        if not module_file.startswith(base) or "/.venv/" in module_file:
            continue
        if any(isinstance(op, RunPython) for op in migration.operations):
            found.add((app, name))
    return found


def test_every_data_migration_has_a_test():
    assert project_data_migrations() == set(TESTED) | set(NOT_DATA)
    assert all(name in globals() for name in TESTED.values())


class Migrator:
    """Moves the test database to a migration state; gives that state's models."""

    def migrate(self, *targets: tuple[str, str]):
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(list(targets))
        # Back in the reverse of the order they were applied in. Django would unapply each
        # child of a target with its descendants in turn: on SQLite, a table remade while a
        # sibling (applied later) is still there loses that sibling's columns.
        applied = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
        order = {migration: index for index, (migration, _) in enumerate(applied)}
        plan.sort(key=lambda step: -order[step[0]] if step[1] else order[step[0]])
        executor.migrate(list(targets), plan=plan)
        return executor.loader.project_state(list(targets)).apps


def unapplied_migrations() -> list:
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


@pytest.fixture
def migrator(transactional_db):
    yield Migrator()
    # The latest state again for the next tests, even after a failed test: if rows it left in
    # an old state stop a migration, they are emptied (as the end of the test would) and the
    # migration runs again.
    try:
        call_command("migrate", verbosity=0)
    except Exception:
        call_command(
            "flush", verbosity=0, interactive=False, inhibit_post_migrate=True, allow_cascade=True
        )
        call_command("migrate", verbosity=0)
    assert not unapplied_migrations()


# Rows that do not change between the states below are made with today's models, before the
# database is taken back; the rows a migration moves are made with the models of its state.


def migration_module(app: str, name: str):
    """A migration's module, for the constants it froze (its names start with a digit)."""
    return importlib.import_module(f"{MigrationLoader.migrations_module(app)[0]}.{name}")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def department(coops: int = 1):
    """The association (with today's default rates), a secretariat user, `coops`
    cooperatives and the current school year."""
    from occe.core.models import Association, SchoolYear
    from tests.accounts.factories import UserFactory
    from tests.cooperatives.factories import CooperativeFactory

    return SimpleNamespace(
        association=Association.get(),
        user=UserFactory(secretariat=True),
        coops=[CooperativeFactory() for _ in range(coops)],
        year=SchoolYear.objects.current(),
    )


def set_rates(apps, **rates):
    """The association's fee rates, written with the models of a migration state."""
    Association = apps.get_model("core", "Association")
    assert Association.objects.update(**rates) == 1


def old_request(apps, coop, user, status: str = "validated"):
    """A receipt request (with the models of a finances state) of `coop`, made by `user`."""
    Request = apps.get_model("finances", "DonationRequest")
    return Request.objects.create(cooperative_id=coop.pk, created_by_id=user.pk, status=status)


def old_receipt(apps, request, number: int, **fields):
    """An issued receipt (with the models of a finances state) of `request`."""
    Receipt = apps.get_model("finances", "Receipt")
    values = {
        "year": 2024,
        "sequence": number,
        "number": f"OCCE92-2024-{number:06d}",
        "donor_type": "particulier",
        "last_name": "Éloi",
        "address": "3 rue des Lilas",
        "postal_code": "92000",
        "city": "Nanterre",
        "country": "France",
        "amount": Decimal("150.00"),
        "form": "don_manuel",
        "nature": "numeraire",
        "issued_at": at(2024, 5, 2, 10),
        "issued_by_id": request.created_by_id,
        "cooperative_id": request.cooperative_id,
        "request": request,
    }
    return Receipt.objects.create(**(values | fields))


def test_finances_0002_backfill(migrator, settings):
    """Donor index of every line, prefix of each year's counter, issuer frozen on the receipts
    issued before it was: the same snapshot a receipt issued now would carry."""
    from finances.services import issuer_snapshot
    from occe.core.models import Association
    from tests.accounts.factories import UserFactory
    from tests.cooperatives.factories import CooperativeFactory

    association = Association.get()
    association.name = "OCCE 92"
    association.siren = "775671878"
    association.city = "Nanterre"
    association.signatory_name = "Marie Dupont"
    association.decree_date = datetime.date(1950, 3, 1)
    association.logo.save("logo.png", ContentFile(b"\x89PNG du logo"), save=False)
    association.save()
    coop = CooperativeFactory(name="École des Tilleuls")
    user = UserFactory(secretariat=True)

    old = migrator.migrate(("finances", "0001_initial"))
    Line, Counter = (old.get_model("finances", name) for name in ("DonationLine", "ReceiptCounter"))
    request = old_request(old, coop, user)
    receipt = old_receipt(old, request, 1)
    lines = {
        "particulier": Line.objects.create(
            request=request,
            last_name="Jean-Pierre  Éloi",
            receipt=receipt,
            amount=Decimal("150.00"),
            date=datetime.date(2024, 4, 30),
        ),
        "siren": Line.objects.create(
            request=request, donor_type="entreprise", company_name="Ménard", siren="123456789"
        ),
        "raison sociale": Line.objects.create(
            request=request, donor_type="entreprise", company_name="Boulangerie Ménard-Roux"
        ),
    }
    Counter.objects.create(year=2024, last_number=1)
    Counter.objects.create(year=2023, last_number=0)  # no receipt: no prefix to read

    new = migrator.migrate(("finances", "0002_receipt_issuer_history"))
    # The models as they are at that migration: later ones add columns.
    DonationLine, Receipt, ReceiptCounter = (
        new.get_model("finances", name) for name in ("DonationLine", "Receipt", "ReceiptCounter")
    )

    index = {k: DonationLine.objects.get(pk=line.pk).donor_index for k, line in lines.items()}
    assert index == {
        "particulier": "jean pierre eloi",
        "siren": "123456789",
        "raison sociale": "boulangerie menard roux",
    }
    assert dict(ReceiptCounter.objects.values_list("year", "prefix")) == {2024: "OCCE92-", 2023: ""}
    issuer = Receipt.objects.get(pk=receipt.pk).issuer
    # What a receipt issued now carries, but for what later migrations added to the snapshot.
    now = issuer_snapshot(Association.get(), coop)
    assert issuer == {key: value for key, value in now.items() if key in issuer}
    assert set(now) - set(issuer) == {"journal_officiel_date"}
    assert issuer["name"] == "OCCE 92" and issuer["cooperative_name"] == "École des Tilleuls"
    frozen = Path(settings.MEDIA_ROOT) / issuer["logo"]
    assert issuer["logo"].startswith("private/finances/emetteur/")
    assert frozen.read_bytes() == b"\x89PNG du logo"


def test_accounts_0002_cache_and_addresses(migrator, settings):
    """The database cache's table is created; an address is verified for the accounts whose
    password was chosen (a usable one) and that have no address yet, only them."""
    old = migrator.migrate(
        ("accounts", "0001_initial"), ("account", "0009_emailaddress_unique_primary_email")
    )
    User, EmailAddress = old.get_model("accounts", "User"), old.get_model("account", "EmailAddress")
    users = {
        "password chosen": User.objects.create(email="choisi@exemple.fr", password="md5$s$abc"),
        "never chose one": User.objects.create(email="invite@exemple.fr", password=""),
        "unusable": User.objects.create(email="bloque@exemple.fr", password="!Xk9"),
        "has an address": User.objects.create(email="nouvelle@exemple.fr", password="md5$s$d"),
    }
    EmailAddress.objects.create(
        user=users["has an address"], email="ancienne@exemple.fr", verified=False, primary=True
    )
    table = "migration_test_cache"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    }
    assert table not in connection.introspection.table_names()
    try:
        new = migrator.migrate(("accounts", "0002_cache_table_and_verified_addresses"))
        assert table in connection.introspection.table_names()
    finally:
        with connection.schema_editor() as editor:
            editor.execute(f"DROP TABLE IF EXISTS {table}")

    addresses = new.get_model("account", "EmailAddress").objects.filter(
        user__in=[user.pk for user in users.values()]
    )
    who = {user.pk: key for key, user in users.items()}
    assert sorted((who[a.user_id], a.email, a.verified, a.primary) for a in addresses) == [
        ("has an address", "ancienne@exemple.fr", False, True),
        ("password chosen", "choisi@exemple.fr", True, True),
    ]


def test_core_0003_clamp_rates(migrator):
    """Fee rates outside [0, 10 €] are brought within before the constraints exist; the
    others stay as they were; afterwards the database refuses a rate out of bounds."""
    department(coops=0)
    old = migrator.migrate(("core", "0002_receipt_unusual_amount"))
    set_rates(
        old,
        pupil_rate_federal=Decimal("12.50"),
        pupil_rate_departmental=Decimal("-1.00"),
        adult_rate_federal=Decimal("10.00"),
        adult_rate_departmental=Decimal("0.00"),
        insurance_per_member=Decimal("0.20"),
    )

    new = migrator.migrate(("core", "0003_affiliation_deadline_rate_bounds"))
    Association = new.get_model("core", "Association")
    rates = Association.objects.values(
        *migration_module("core", "0003_affiliation_deadline_rate_bounds").RATES
    ).get()
    assert rates == {
        "pupil_rate_federal": Decimal("10.00"),
        "pupil_rate_departmental": Decimal("0.00"),
        "adult_rate_federal": Decimal("10.00"),
        "adult_rate_departmental": Decimal("0.00"),
        "insurance_per_member": Decimal("0.20"),
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Association.objects.update(adult_rate_federal=Decimal("10.01"))


def test_cooperatives_0003_clamp_affiliations(migrator):
    """An affiliation beyond the new bounds: counts brought down to their maxima, fee
    recomputed from the association's rates, a validated one back to "submitted", and a
    history record giving the reason. One within the bounds is left alone."""
    world = department(coops=3)
    old = migrator.migrate(
        ("cooperatives", "0002_importbatch"), ("core", "0003_affiliation_deadline_rate_bounds")
    )
    set_rates(
        old,
        pupil_rate_federal=Decimal("0.70"),
        pupil_rate_departmental=Decimal("1.10"),
        adult_rate_federal=Decimal("1.50"),
        adult_rate_departmental=Decimal("2.50"),
        insurance_per_member=Decimal("0.20"),
    )
    Affiliation = old.get_model("cooperatives", "Affiliation")

    def affiliation(coop, **fields):
        return Affiliation.objects.create(
            cooperative_id=coop.pk, school_year_id=world.year.pk, **fields
        )

    validated = {
        "status": "validated",
        "submitted_at": at(2025, 9, 20),
        "validated_at": at(2025, 10, 1),
        "validated_by_id": world.user.pk,
    }
    too_many = affiliation(
        world.coops[0],
        classes=200,
        pupils=1_000_000,
        adults=5,
        fee_pupils=Decimal("1800000.00"),
        fee_adults=Decimal("20.00"),
        fee_insurance=Decimal("200001.00"),
        fee_federal=Decimal("700007.50"),
        **validated,
    )
    negative_fee = affiliation(
        world.coops[1], classes=4, pupils=100, adults=2, fee_pupils=Decimal("-5.00")
    )
    within = affiliation(
        world.coops[2],
        classes=8,
        pupils=200,
        adults=12,
        fee_pupils=Decimal("360.00"),
        fee_adults=Decimal("48.00"),
        fee_insurance=Decimal("42.40"),
        fee_federal=Decimal("158.00"),
        **validated,
    )

    new = migrator.migrate(("cooperatives", "0003_fee_payments_and_bounds"))
    Affiliation = new.get_model("cooperatives", "Affiliation")
    History = new.get_model("cooperatives", "HistoricalAffiliation")
    columns = [
        "classes", "pupils", "adults", "status", "submitted_at", "validated_at",
        "validated_by_id", "fee_pupils", "fee_adults", "fee_insurance", "fee_federal",
    ]  # fmt: skip
    values = {row.pop("id"): row for row in Affiliation.objects.values("id", *columns)}
    assert values[too_many.pk] == {
        "classes": 150,
        "pupils": 5_000,
        "adults": 5,
        "status": "submitted",  # to be checked and validated again
        "submitted_at": at(2025, 9, 20),
        "validated_at": None,
        "validated_by_id": None,
        "fee_pupils": Decimal("9000.00"),  # 5 000 × (0,70 + 1,10)
        "fee_adults": Decimal("20.00"),  # 5 × (1,50 + 2,50)
        "fee_insurance": Decimal("1001.00"),  # 5 005 × 0,20
        "fee_federal": Decimal("3507.50"),  # 5 000 × 0,70 + 5 × 1,50
    }
    assert values[negative_fee.pk] == {
        "classes": 4,
        "pupils": 100,
        "adults": 2,
        "status": "draft",
        "submitted_at": None,
        "validated_at": None,
        "validated_by_id": None,
        "fee_pupils": Decimal("180.00"),
        "fee_adults": Decimal("8.00"),
        "fee_insurance": Decimal("20.40"),
        "fee_federal": Decimal("73.00"),
    }
    assert values[within.pk] == {column: getattr(within, column) for column in columns}
    reason = migration_module("cooperatives", "0003_fee_payments_and_bounds").REASON
    for affiliation, records in [(too_many, 1), (negative_fee, 1), (within, 0)]:
        history = History.objects.filter(id=affiliation.pk)
        assert (
            list(history.values("history_type", "history_change_reason", *columns))
            == [{"history_type": "~", "history_change_reason": reason, **values[affiliation.pk]}]
            * records
        )


def test_cooperatives_0003_import_batches_moved(migrator):
    """Each old import batch becomes a core batch of kind "cooperatives" with its file, author,
    year, summary and date; an applied one gets a finished Job dated when it was applied (or
    when uploaded, for want of that date); the way back gives the old batches again."""
    from django.contrib.contenttypes.models import ContentType

    world = department()
    before = (("cooperatives", "0002_importbatch"), ("core", "0003_job_importbatch"))
    old = migrator.migrate(*before)
    OldBatch = old.get_model("cooperatives", "ImportBatch")

    def old_batch(created_at, **fields):
        batch = OldBatch.objects.create(
            school_year_id=world.year.pk, created_by_id=world.user.pk, **fields
        )
        OldBatch.objects.filter(pk=batch.pk).update(created_at=created_at)  # auto_now_add
        return OldBatch.objects.get(pk=batch.pk)

    applied = old_batch(
        at(2024, 9, 10, 9),
        file="private/imports/cooperatives-2024.xlsx",
        original_name="Coopératives 2024.xlsx",
        status="applied",
        applied_at=at(2024, 9, 10, 11),
        summary={"counts": {"created": 3, "updated": 2}, "result": {"created": [7, 8, 9]}},
    )
    undated = old_batch(
        at(2024, 9, 12, 14),
        file="private/imports/rentree.csv",
        status="applied",
        summary={"counts": {"created": 1}},
    )
    preview = old_batch(
        at(2024, 9, 15, 8), file="private/imports/erreurs.csv", summary={"errors": ["ligne 2"]}
    )

    new = migrator.migrate(("cooperatives", "0003_importbatch_to_core"))
    Batch, Job = new.get_model("core", "ImportBatch"), new.get_model("core", "Job")
    assert "cooperatives_importbatch" not in connection.introspection.table_names()
    moved = dict(zip((applied, undated, preview), Batch.objects.order_by("pk"), strict=True))
    for source, batch in moved.items():
        assert (batch.kind, batch.file.name, batch.original_name, batch.status) == (
            "cooperatives", source.file.name, source.original_name, source.status
        )  # fmt: skip
        assert (batch.school_year_id, batch.created_by_id) == (world.year.pk, world.user.pk)
        assert batch.parameters == {"school_year": world.year.pk}
        assert (batch.summary, batch.created_at) == (source.summary, source.created_at)
    assert moved[preview].job is None
    batch_type = ContentType.objects.get_by_natural_key("core", "importbatch")
    for source, when, rows, result in [
        (applied, at(2024, 9, 10, 11), 5, {"created": [7, 8, 9]}),
        (undated, at(2024, 9, 12, 14), 1, {}),  # never dated when applied: its upload's date
    ]:
        batch = moved[source]
        job = batch.job
        assert (job.kind, job.status, job.done, job.total) == ("imports.apply", "done", rows, rows)
        assert job.user_id == world.user.pk
        assert {job.created_at, job.started_at, job.finished_at, job.heartbeat_at} == {when}
        assert (job.parameters, job.result) == ({"batch": batch.pk}, result)
        assert (job.content_type_id, job.object_id) == (batch_type.pk, batch.pk)
    assert Job.objects.count() == 2

    back = migrator.migrate(*before)
    OldBatch, Batch = (
        back.get_model(*model)
        for model in [("cooperatives", "ImportBatch"), ("core", "ImportBatch")]
    )
    assert not Batch.objects.exists() and not back.get_model("core", "Job").objects.exists()
    columns = [
        "file", "original_name", "school_year_id", "created_by_id", "status", "summary", "created_at"
    ]  # fmt: skip
    again = list(OldBatch.objects.order_by("pk").values(*columns, "applied_at"))
    assert again == [
        {column: getattr(source, column) for column in columns}
        | {"file": source.file.name, "applied_at": applied_at}
        for source, applied_at in [
            (applied, at(2024, 9, 10, 11)),
            (undated, at(2024, 9, 12, 14)),  # the job's date
            (preview, None),
        ]
    ]


def test_finances_0004_freeze_receipts(migrator, settings):
    """Gifts frozen on each receipt from its lines (in date order; a replacement reads the
    lines of the receipt it replaces), a cancelled receipt's marked copy moved to its own
    column (the original file back if still there), render jobs given their receipts, and
    the impossible amounts of drafts emptied."""
    world = department()
    media = Path(settings.MEDIA_ROOT)
    old = migrator.migrate(("finances", "0003_receipt_gifts_cancelled_pdf_jobs"))
    Line, RenderJob = (old.get_model("finances", name) for name in ("DonationLine", "RenderJob"))
    coop, user = world.coops[0], world.user

    def line(request, amount, **fields):
        return Line.objects.create(request=request, amount=Decimal(amount), **fields)

    validated = old_request(old, coop, user)
    cancelled = {
        "cancelled_at": at(2024, 6, 1),
        "cancelled_by_id": user.pk,
        "cancel_reason": "Adresse erronée",
    }
    receipts = {
        "two gifts": old_receipt(old, validated, 1, amount=Decimal("80.00")),
        "undated gift": old_receipt(old, validated, 2, amount=Decimal("20.00")),
        "marked copy": old_receipt(
            old, validated, 3, pdf="recus/2024/OCCE92-2024-000003-annule.pdf", **cancelled
        ),
        "not yet marked": old_receipt(
            old, validated, 4, pdf="recus/2024/OCCE92-2024-000004.pdf", **cancelled
        ),
    }
    receipts["replacement"] = old_receipt(
        old, validated, 5, replaces=receipts["marked copy"], pdf="recus/2024/OCCE92-2024-000005.pdf"
    )
    other = old_request(old, coop, user)
    receipts["original gone"] = old_receipt(
        old, other, 6, pdf="recus/2024/OCCE92-2024-000006-annule.pdf", **cancelled
    )
    (media / "recus/2024").mkdir(parents=True)
    (media / "recus/2024/OCCE92-2024-000003.pdf").write_bytes(b"%PDF original")
    line(validated, "50.00", receipt=receipts["two gifts"], date=datetime.date(2024, 4, 30),
         payment_method="cheque", position=0)  # fmt: skip
    line(validated, "30.00", receipt=receipts["two gifts"], date=datetime.date(2024, 3, 1),
         payment_method="virement", position=1)  # fmt: skip
    line(validated, "20.00", receipt=receipts["undated gift"])
    line(validated, "150.00", receipt=receipts["marked copy"], date=datetime.date(2024, 4, 2),
         payment_method="especes")  # fmt: skip
    line(validated, "150.00", receipt=receipts["not yet marked"], date=datetime.date(2024, 4, 3))
    line(other, "75.00", receipt=receipts["original gone"], date=datetime.date(2024, 4, 4))
    complete_job = RenderJob.objects.create(request=validated, total=5, created_at=at(2024, 5, 2))
    partial_job = RenderJob.objects.create(request=other, total=2, created_at=at(2024, 5, 3))
    draft = old_request(old, coop, user, status="draft")
    drafts = {
        amount: line(draft, amount)
        for amount in ("0.00", "-5.00", "100000.01", "100000.00", "0.01")
    }
    no_amount = Line.objects.create(request=draft)

    new = migrator.migrate(("finances", "0004_freeze_existing_receipts"))
    Receipt, Line = new.get_model("finances", "Receipt"), new.get_model("finances", "DonationLine")
    RenderJob = new.get_model("finances", "RenderJob")

    def frozen(receipt):
        receipt = Receipt.objects.get(pk=receipt.pk)
        return receipt.gifts, receipt.pdf.name, receipt.cancelled_pdf.name

    def gift(date, amount, payment_method=""):
        return {"date": date, "amount": amount, "payment_method": payment_method}

    the_150 = [gift("2024-04-02", "150.00", "especes")]
    assert {key: frozen(receipt) for key, receipt in receipts.items()} == {
        "two gifts": (
            [gift("2024-03-01", "30.00", "virement"), gift("2024-04-30", "50.00", "cheque")],
            "",
            "",
        ),
        "undated gift": ([gift(None, "20.00")], "", ""),
        "marked copy": (
            the_150,
            "recus/2024/OCCE92-2024-000003.pdf",
            "recus/2024/OCCE92-2024-000003-annule.pdf",
        ),
        "not yet marked": (
            [gift("2024-04-03", "150.00")],
            "recus/2024/OCCE92-2024-000004.pdf",
            "",
        ),
        "replacement": (the_150, "recus/2024/OCCE92-2024-000005.pdf", ""),
        "original gone": (
            [gift("2024-04-04", "75.00")],
            "",
            "recus/2024/OCCE92-2024-000006-annule.pdf",
        ),
    }
    jobs = {job.pk: (job.receipt_ids, job.progressed_at) for job in RenderJob.objects.all()}
    assert jobs == {
        complete_job.pk: (
            sorted(receipts[key].pk for key in receipts if key != "original gone"),
            at(2024, 5, 2),
        ),
        partial_job.pk: ([], at(2024, 5, 3)),  # not all its receipts made: none is known
    }
    amounts = dict(Line.objects.filter(request_id=draft.pk).values_list("pk", "amount"))
    assert amounts == {
        drafts["0.00"].pk: None,
        drafts["-5.00"].pk: None,
        drafts["100000.01"].pk: None,
        drafts["100000.00"].pk: Decimal("100000.00"),
        drafts["0.01"].pk: Decimal("0.01"),
        no_amount.pk: None,
    }


def test_finances_0005_guard_triggers(migrator):
    """Before 0005 an issued receipt can be edited; after it, the database refuses to change
    what it prints (its e-mail columns stay free); going back removes the guard."""
    world = department()
    before = ("finances", "0004_freeze_existing_receipts")
    old = migrator.migrate(before)
    receipt = old_receipt(old, old_request(old, world.coops[0], world.user), 1)
    Receipt = old.get_model("finances", "Receipt")
    receipt_row = Receipt.objects.filter(pk=receipt.pk)
    assert receipt_row.update(last_name="Éloi-Roux") == 1

    migrator.migrate(("finances", "0005_receipt_guard_triggers"))
    with pytest.raises(IntegrityError, match="reçu émis"), transaction.atomic():
        receipt_row.update(last_name="Roux")
    with pytest.raises(IntegrityError, match="reçu émis"), transaction.atomic():
        receipt_row.update(amount=Decimal("15.00"))
    assert receipt_row.update(email_status="sent") == 1
    assert receipt_row.get().last_name == "Éloi-Roux"

    migrator.migrate(before)
    assert receipt_row.update(last_name="Roux") == 1


def test_formations_0002_default_themes(migrator):
    """The default themes are created, once: one that exists already is not duplicated, and
    the association's own themes stay."""
    old = migrator.migrate(("formations", "0001_initial"))
    Theme = old.get_model("formations", "Theme")
    Theme.objects.all().delete()
    Theme.objects.create(name="Théâtre")
    Theme.objects.create(name="Astronomie")

    new = migrator.migrate(("formations", "0002_default_themes"))
    names = new.get_model("formations", "Theme").objects.values_list("name", flat=True)
    defaults = migration_module("formations", "0002_default_themes").THEMES
    assert len(defaults) == 6 and "Théâtre" in defaults
    assert sorted(names) == sorted([*defaults, "Astronomie"])


def test_finances_0006_guard_with_anonymisation(migrator):
    """Issued receipts of the old shape keep every value; the new guard refuses what 0005
    refused, and allows their donor's erasure only once the retention has ended. Back to 0005:
    the old guard again (no erasure at all)."""
    from django.db import IntegrityError, transaction

    from tests.accounts.factories import UserFactory
    from tests.cooperatives.factories import CooperativeFactory

    coop = CooperativeFactory()
    user = UserFactory(secretariat=True)
    old = migrator.migrate(("finances", "0005_receipt_guard_triggers"))
    Request, Line, OldReceipt = (
        old.get_model("finances", name) for name in ("DonationRequest", "DonationLine", "Receipt")
    )
    request = Request.objects.create(cooperative_id=coop.pk, created_by_id=user.pk)

    def receipt(year: int, sequence: int):
        made = OldReceipt.objects.create(
            year=year,
            sequence=sequence,
            number=f"{year}-{sequence:06d}",
            donor_type="particulier",
            last_name="Éloi",
            first_name="Jean",
            address="3 rue des Lilas",
            postal_code="92000",
            city="Nanterre",
            country="France",
            email="jean.eloi@exemple.fr",
            amount=Decimal("150.00"),
            form="don_manuel",
            nature="numeraire",
            issued_at=datetime.datetime(year, 5, 2, 10, tzinfo=datetime.UTC),
            issued_by_id=user.pk,
            cooperative_id=coop.pk,
            request=request,
            pdf=f"private/finances/{year}.pdf",
        )
        Line.objects.create(
            request=request, last_name="Éloi", receipt=made, amount=Decimal("150.00")
        )
        return made

    expired, recent = receipt(2018, 1), receipt(2024, 1)
    blank = dict(
        last_name="", first_name="", address="", postal_code="", city="", country="", email=""
    )

    def refused(queryset, **values):
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.update(**values)

    refused(OldReceipt.objects.filter(pk=expired.pk), **blank)  # 0005: never

    new = migrator.migrate(("finances", "0006_receipt_anonymisation"))
    Receipt, DonationLine = (
        new.get_model("finances", "Receipt"),
        new.get_model("finances", "DonationLine"),
    )
    row = Receipt.objects.get(pk=expired.pk)
    assert (row.number, row.last_name, row.pdf.name) == ("2018-000001", "Éloi", expired.pdf)
    assert row.anonymised_on is None
    today = datetime.date.today()
    refused(Receipt.objects.filter(pk=recent.pk), **blank, pdf="", anonymised_on=today)
    refused(Receipt.objects.filter(pk=expired.pk), amount=Decimal("1.00"))
    refused(Receipt.objects.filter(pk=expired.pk), last_name="Autre")
    Receipt.objects.filter(pk=expired.pk).update(**blank, pdf="", anonymised_on=today)
    DonationLine.objects.filter(receipt_id=expired.pk).update(**blank, donor_index="")
    refused(DonationLine.objects.filter(receipt_id=recent.pk), **blank, donor_index="")
    assert Receipt.objects.get(pk=expired.pk).number == "2018-000001"

    back = migrator.migrate(("finances", "0005_receipt_guard_triggers"))
    refused(back.get_model("finances", "Receipt").objects.filter(pk=recent.pk), **blank)


def test_finances_0011_render_jobs_moved(migrator):
    """Each RenderJob becomes a core Job of kind "finances.render_receipts" linked to its
    request, with its receipts, progress, dates, automatic relaunches and error (in French, as
    the page showed it); an unfinished one keeps its last sign of life, so the sweeper resumes
    it once stale. The way back gives the old rows again."""
    from django.contrib.contenttypes.models import ContentType

    world = department()
    before = ("finances", "0010_grant_payment_cancellation_claim_documents")
    old = migrator.migrate(before)
    RenderJob = old.get_model("finances", "RenderJob")
    request, other = (old_request(old, world.coops[0], world.user) for _ in range(2))
    common = {"created_at": at(2024, 5, 2, 10), "progressed_at": at(2024, 5, 2, 10, 1)}
    olds = {
        "done": RenderJob.objects.create(
            request=request, receipt_ids=[1, 2, 3], total=3, done=3, sweeps=1,
            finished_at=at(2024, 5, 2, 10, 2), **common,
        ),
        "failed": RenderJob.objects.create(
            request=other, receipt_ids=[4, 5], total=2, done=1, failed=1,
            error="WeasyPrint a planté", **common,
        ),
        "running": RenderJob.objects.create(
            request=request, receipt_ids=[6, 7], total=2, done=1, **common
        ),
        "waiting": RenderJob.objects.create(request=other, receipt_ids=[8], total=1, **common),
    }  # fmt: skip

    new = migrator.migrate(("finances", "0011_render_jobs_to_core_jobs"))
    Job = new.get_model("core", "Job")
    assert "finances_renderjob" not in connection.introspection.table_names()
    moved = dict(zip(olds, Job.objects.order_by("pk"), strict=True))
    request_type = ContentType.objects.get_by_natural_key("finances", "donationrequest")
    started, silent = at(2024, 5, 2, 10), at(2024, 5, 2, 10, 1)
    assert {
        key: (
            job.status, job.done, job.total, job.started_at, job.finished_at, job.heartbeat_at,
            job.attempts, job.error, job.parameters, job.object_id,
        )
        for key, job in moved.items()
    } == {
        "done": ("done", 3, 3, started, at(2024, 5, 2, 10, 2), silent, 1, "",
                 {"receipts": [1, 2, 3]}, request.pk),
        "failed": ("failed", 1, 2, started, silent, silent, 0,
                   "La production de certains PDF a échoué (WeasyPrint a planté).",
                   {"receipts": [4, 5]}, other.pk),
        "running": ("running", 1, 2, started, None, silent, 0, "", {"receipts": [6, 7]},
                    request.pk),
        "waiting": ("pending", 0, 1, None, None, silent, 0, "", {"receipts": [8]}, other.pk),
    }  # fmt: skip
    for job in moved.values():
        assert (job.kind, job.content_type_id, job.user_id) == (
            "finances.render_receipts",
            request_type.pk,
            None,
        )
        assert job.created_at == at(2024, 5, 2, 10)

    back = migrator.migrate(before)
    RenderJob = back.get_model("finances", "RenderJob")
    assert not back.get_model("core", "Job").objects.filter(kind="finances.render_receipts")
    assert [
        (job.request_id, job.receipt_ids, job.done, job.total, job.failed, job.sweeps,
         job.finished_at, job.progressed_at)
        for job in RenderJob.objects.order_by("pk")
    ] == [
        (request.pk, [1, 2, 3], 3, 3, 0, 1, at(2024, 5, 2, 10, 2), silent),
        (other.pk, [4, 5], 1, 2, 1, 0, None, silent),
        (request.pk, [6, 7], 1, 2, 0, 0, None, silent),
        (other.pk, [8], 0, 1, 0, 0, None, silent),
    ]  # fmt: skip
