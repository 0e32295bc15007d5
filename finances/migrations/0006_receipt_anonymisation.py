"""Donors' identity erased after the legal retention period: the one change the guard allows.

The triggers of 0005 are recreated with one more path. An issued receipt's donor columns
(`PERSONAL`) and its PDFs may change once, in the update that sets `anonymised_on`, and only:
- to empty values (nothing else can be written through this path);
- when `anonymised_on` is after 31 December of the year of issue + 6 (article L102 B of the
  Livre des procédures fiscales: six years) and not in the future (one day of tolerance for the
  difference between the server's UTC date and the French one).
Number, year, sequence, amount, dates, gifts, issuer, cancellation: frozen as before.
`anonymised_on` is set once and never changes; an anonymised receipt's PDF columns stay empty.
A receipted gift line may blank the same columns (and its donor index) once its receipt is
anonymised. The old triggers are dropped before the column is added (SQLite may rebuild the
table) and the new ones created after.
"""

import importlib

from django.db import migrations, models

guard = importlib.import_module("finances.migrations.0005_receipt_guard_triggers")

# The donor's identity on a receipt (a company's name, form and SIREN are not personal data).
PERSONAL = ["last_name", "first_name", "address", "postal_code", "city", "country", "email"]
RECEIPT_FROZEN = [c for c in guard.RECEIPT_FROZEN if c not in PERSONAL]
LINE_PERSONAL = [*PERSONAL, "donor_index"]
LINE_FROZEN = [c for c in guard.LINE_FROZEN if c not in LINE_PERSONAL]

ANONYMISED_ONCE = "L''anonymisation d''un reçu est définitive et ne change plus."
TOO_EARLY = (
    "Le donateur d''un reçu n''est anonymisé qu''après la durée légale de conservation "
    "(six ans après la fin de l''année d''émission), en effaçant seulement son identité."
)


def _dates(vendor: str) -> tuple[str, str]:
    if vendor == "postgresql":
        return "make_date(OLD.year + 6, 12, 31)", "CURRENT_DATE + 1"
    return "printf('%04d-12-31', OLD.year + 6)", "date('now', '+1 day')"


def _all_empty(columns: list[str]) -> str:
    return "(" + " AND ".join(f"NEW.{c} = ''" for c in columns) + ")"


def _receipt_conditions(vendor: str) -> list[tuple[str, str, str]]:
    d = lambda c: guard._differs(vendor, c)  # noqa: E731
    limit, tomorrow = _dates(vendor)
    anonymising = (
        f"(OLD.anonymised_on IS NULL AND NEW.anonymised_on IS NOT NULL "
        f"AND NEW.anonymised_on > {limit} AND NEW.anonymised_on <= {tomorrow})"
    )
    personal = guard._any_differs(vendor, PERSONAL)
    return [
        ("frozen", guard._any_differs(vendor, RECEIPT_FROZEN), guard.EDITED),
        (
            "personal",
            f"{personal} AND NOT ({anonymising} AND {_all_empty(PERSONAL)})",
            TOO_EARLY,
        ),
        ("anonymised_on", f"{d('anonymised_on')} AND NOT {anonymising}", ANONYMISED_ONCE),
        (
            "pdf",
            f"OLD.pdf <> '' AND {d('pdf')} AND NOT ({anonymising} AND NEW.pdf = '')",
            guard.PDF_ONCE,
        ),
        (
            "cancelled_pdf",
            f"OLD.cancelled_pdf <> '' AND {d('cancelled_pdf')} "
            f"AND NOT ({anonymising} AND NEW.cancelled_pdf = '')",
            guard.PDF_ONCE,
        ),
        (
            "anonymised_pdf",
            f"OLD.anonymised_on IS NOT NULL AND ({d('pdf')} OR {d('cancelled_pdf')})",
            ANONYMISED_ONCE,
        ),
        (
            "cancelled_pdf_needs_cancel",
            "NEW.cancelled_pdf <> '' AND NEW.cancelled_at IS NULL",
            guard.PDF_ONCE,
        ),
        (
            "cancel_once",
            f"OLD.cancelled_at IS NOT NULL AND ({d('cancelled_at')} OR {d('cancelled_by_id')} "
            f"OR {d('cancel_reason')})",
            guard.CANCEL_ONCE,
        ),
        (
            "cancel_whole",
            f"OLD.cancelled_at IS NULL AND NEW.cancelled_at IS NULL "
            f"AND ({d('cancelled_by_id')} OR {d('cancel_reason')})",
            guard.CANCEL_ONCE,
        ),
    ]


def _line_conditions(vendor: str) -> list[tuple[str, str, str]]:
    receipt_anonymised = (
        "EXISTS (SELECT 1 FROM finances_receipt r "
        "WHERE r.id = OLD.receipt_id AND r.anonymised_on IS NOT NULL)"
    )
    return [
        (
            "frozen",
            f"OLD.receipt_id IS NOT NULL AND {guard._any_differs(vendor, LINE_FROZEN)}",
            guard.LINE_EDITED,
        ),
        (
            "personal",
            f"OLD.receipt_id IS NOT NULL AND {guard._any_differs(vendor, LINE_PERSONAL)} "
            f"AND NOT ({receipt_anonymised} AND {_all_empty(LINE_PERSONAL)})",
            guard.LINE_EDITED,
        ),
    ]


def _raise_all(conditions) -> str:
    return "\n".join(
        f"    IF {condition} THEN RAISE EXCEPTION '{message}' USING ERRCODE = '23000'; END IF;"
        for _, condition, message in conditions
    )


def _postgresql() -> list[str]:
    return [
        f"""
CREATE FUNCTION finances_receipt_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{guard.DELETED}' USING ERRCODE = '23000';
    END IF;
{_raise_all(_receipt_conditions("postgresql"))}
    RETURN NEW;
END $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER finances_receipt_guard BEFORE UPDATE OR DELETE ON finances_receipt
FOR EACH ROW EXECUTE FUNCTION finances_receipt_guard();""",
        f"""
CREATE FUNCTION finances_donationline_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.receipt_id IS NOT NULL THEN
            RAISE EXCEPTION '{guard.LINE_DELETED}' USING ERRCODE = '23000';
        END IF;
        RETURN OLD;
    END IF;
{_raise_all(_line_conditions("postgresql"))}
    RETURN NEW;
END $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER finances_donationline_guard BEFORE UPDATE OR DELETE
ON finances_donationline FOR EACH ROW EXECUTE FUNCTION finances_donationline_guard();""",
        f"""
CREATE FUNCTION finances_donationrequest_guard() RETURNS trigger AS $$
BEGIN
    IF {guard._request_condition()} THEN
        RAISE EXCEPTION '{guard.REQUEST_BACK}' USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER finances_donationrequest_guard BEFORE UPDATE ON finances_donationrequest
FOR EACH ROW EXECUTE FUNCTION finances_donationrequest_guard();""",
    ]


def _sqlite() -> tuple[list[str], list[str]]:
    def trigger(name, when, table, condition, message):
        return (
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )

    statements = [
        trigger(
            "finances_receipt_no_delete",
            "DELETE",
            "finances_receipt",
            "finances_guard_active()",
            guard.DELETED,
        ),
        trigger(
            "finances_donationline_no_delete",
            "DELETE",
            "finances_donationline",
            "OLD.receipt_id IS NOT NULL AND finances_guard_active()",
            guard.LINE_DELETED,
        ),
        trigger(
            "finances_donationrequest_validated",
            "UPDATE",
            "finances_donationrequest",
            guard._request_condition(),
            guard.REQUEST_BACK,
        ),
    ]
    names = [
        "finances_receipt_no_delete",
        "finances_donationline_no_delete",
        "finances_donationrequest_validated",
    ]
    for name, condition, message in _receipt_conditions("sqlite"):
        names.append(f"finances_receipt_{name}")
        statements.append(
            trigger(f"finances_receipt_{name}", "UPDATE", "finances_receipt", condition, message)
        )
    for name, condition, message in _line_conditions("sqlite"):
        names.append(f"finances_donationline_{name}")
        statements.append(
            trigger(
                f"finances_donationline_{name}",
                "UPDATE",
                "finances_donationline",
                condition,
                message,
            )
        )
    return statements, [f"DROP TRIGGER IF EXISTS {name};" for name in names]


def _run(schema_editor, statements) -> None:
    for statement in statements:
        schema_editor.execute(statement)


def drop_old(apps, schema_editor):
    _run(schema_editor, guard._statements(schema_editor.connection.vendor, backward=True))


def create_old(apps, schema_editor):
    _run(schema_editor, guard._statements(schema_editor.connection.vendor, backward=False))


def create_new(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, _postgresql())
    elif vendor == "sqlite":
        _run(schema_editor, _sqlite()[0])
    else:
        raise NotImplementedError(f"Pas de garde des reçus pour la base {vendor}.")


def drop_new(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        # Same names as 0005's: its backward statements drop these.
        _run(schema_editor, guard._statements(vendor, backward=True))
    else:
        _run(schema_editor, _sqlite()[1])


class Migration(migrations.Migration):
    dependencies = [("finances", "0005_receipt_guard_triggers")]

    operations = [
        migrations.RunPython(drop_old, create_old),
        migrations.AddField(
            model_name="historicalreceipt",
            name="anonymised_on",
            field=models.DateField(blank=True, null=True, verbose_name="donateur anonymisé le"),
        ),
        migrations.AddField(
            model_name="receipt",
            name="anonymised_on",
            field=models.DateField(blank=True, null=True, verbose_name="donateur anonymisé le"),
        ),
        migrations.RunPython(create_new, drop_new),
    ]
