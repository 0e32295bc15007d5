"""Bounds on amounts, and the database's guard on issued receipts (see finances/guard.py).

Triggers, on PostgreSQL and SQLite alike, refuse:
- deleting a receipt, or a gift line that has a receipt;
- any change of what a receipt prints or identifies it (its columns below);
- setting its PDF, or its marked copy, other than once from empty;
- a cancellation changed once recorded (un-cancelling included), or a cancellation's details
  without its date;
- changing a gift line once it has a receipt (receipting it again included);
- taking a validated request back to another status.
The e-mail columns and the rendering date stay free: nothing printed.
A later migration that adds a printed column to receipts must recreate these triggers.
"""

from decimal import Decimal

from django.db import migrations, models

# What an issued receipt prints or identifies it by: never changes.
RECEIPT_FROZEN = [
    "id",
    "year",
    "sequence",
    "number",
    "request_id",
    "cooperative_id",
    "donor_type",
    "last_name",
    "first_name",
    "company_name",
    "legal_form",
    "siren",
    "address",
    "postal_code",
    "city",
    "country",
    "email",
    "amount",
    "gift_date",
    "summary_year",
    "gifts",
    "form",
    "nature",
    "payment_method",
    "issued_at",
    "issued_by_id",
    "replaces_id",
    "issuer",
]
# A gift line once receipted: every column.
LINE_FROZEN = [
    "id",
    "request_id",
    "position",
    "donor_type",
    "last_name",
    "first_name",
    "company_name",
    "legal_form",
    "siren",
    "address",
    "postal_code",
    "city",
    "country",
    "email",
    "amount",
    "date",
    "payment_method",
    "form",
    "nature",
    "receipt_id",
    "donor_index",
]

EDITED = "Un reçu émis ne peut pas être modifié : annulez-le et émettez un reçu de remplacement."
DELETED = "Un reçu émis n''est jamais supprimé : il peut être annulé."
PDF_ONCE = "Le PDF d''un reçu émis est enregistré une fois et ne change plus."
CANCEL_ONCE = "L''annulation d''un reçu est définitive et ne change plus."
LINE_EDITED = "Un don qui a fait l''objet d''un reçu ne change plus et n''en reçoit pas d''autre."
LINE_DELETED = "Un don qui a fait l''objet d''un reçu n''est jamais supprimé."
REQUEST_BACK = "Une demande validée le reste : ses reçus sont émis."

# Conditions (true = refused), in SQL that both databases read; `differs` is spelled per vendor.
RECEIPT_RULES = [
    ("frozen", None, EDITED),
    ("pdf", "OLD.pdf <> '' AND {pdf}", PDF_ONCE),
    ("cancelled_pdf", "OLD.cancelled_pdf <> '' AND {cancelled_pdf}", PDF_ONCE),
    ("cancelled_pdf_needs_cancel", "NEW.cancelled_pdf <> '' AND NEW.cancelled_at IS NULL", PDF_ONCE),
    ("cancel_once", "OLD.cancelled_at IS NOT NULL AND ({cancelled_at} OR {cancelled_by_id} OR {cancel_reason})", CANCEL_ONCE),
    ("cancel_whole", "OLD.cancelled_at IS NULL AND NEW.cancelled_at IS NULL AND ({cancelled_by_id} OR {cancel_reason})", CANCEL_ONCE),
]


def _differs(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"NEW.{column} IS DISTINCT FROM OLD.{column}"
    return f"NOT (NEW.{column} IS OLD.{column})"


def _any_differs(vendor: str, columns: list[str]) -> str:
    return "(" + " OR ".join(_differs(vendor, c) for c in columns) + ")"


def _receipt_conditions(vendor: str) -> list[tuple[str, str, str]]:
    columns = ["pdf", "cancelled_pdf", "cancelled_at", "cancelled_by_id", "cancel_reason"]
    spelled = {c: _differs(vendor, c) for c in columns}
    rules = []
    for name, condition, message in RECEIPT_RULES:
        if condition is None:
            condition = _any_differs(vendor, RECEIPT_FROZEN)
        rules.append((name, condition.format(**spelled), message))
    return rules


def _line_condition(vendor: str) -> str:
    return f"OLD.receipt_id IS NOT NULL AND {_any_differs(vendor, LINE_FROZEN)}"


def _request_condition() -> str:
    return "OLD.status = 'validated' AND NEW.status <> 'validated'"


def _postgresql() -> tuple[list[str], list[str]]:
    checks = "\n".join(
        f"    IF {condition} THEN RAISE EXCEPTION '{message}' USING ERRCODE = '23000'; END IF;"
        for _, condition, message in _receipt_conditions("postgresql")
    )
    forward = [
        f"""
CREATE FUNCTION finances_receipt_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{DELETED}' USING ERRCODE = '23000';
    END IF;
{checks}
    RETURN NEW;
END $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER finances_receipt_guard BEFORE UPDATE OR DELETE ON finances_receipt
FOR EACH ROW EXECUTE FUNCTION finances_receipt_guard();""",
        f"""
CREATE FUNCTION finances_donationline_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.receipt_id IS NOT NULL THEN
            RAISE EXCEPTION '{LINE_DELETED}' USING ERRCODE = '23000';
        END IF;
        RETURN OLD;
    END IF;
    IF {_line_condition("postgresql")} THEN
        RAISE EXCEPTION '{LINE_EDITED}' USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER finances_donationline_guard BEFORE UPDATE OR DELETE
ON finances_donationline FOR EACH ROW EXECUTE FUNCTION finances_donationline_guard();""",
        f"""
CREATE FUNCTION finances_donationrequest_guard() RETURNS trigger AS $$
BEGIN
    IF {_request_condition()} THEN
        RAISE EXCEPTION '{REQUEST_BACK}' USING ERRCODE = '23000';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER finances_donationrequest_guard BEFORE UPDATE ON finances_donationrequest
FOR EACH ROW EXECUTE FUNCTION finances_donationrequest_guard();""",
    ]
    backward = [
        "DROP TRIGGER IF EXISTS finances_receipt_guard ON finances_receipt;",
        "DROP FUNCTION IF EXISTS finances_receipt_guard();",
        "DROP TRIGGER IF EXISTS finances_donationline_guard ON finances_donationline;",
        "DROP FUNCTION IF EXISTS finances_donationline_guard();",
        "DROP TRIGGER IF EXISTS finances_donationrequest_guard ON finances_donationrequest;",
        "DROP FUNCTION IF EXISTS finances_donationrequest_guard();",
    ]
    return forward, backward


def _sqlite() -> tuple[list[str], list[str]]:
    def trigger(name, when, table, condition, message):
        return (
            f"CREATE TRIGGER {name} BEFORE {when} ON {table} WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;"
        )

    forward = [
        trigger(
            "finances_receipt_no_delete",
            "DELETE",
            "finances_receipt",
            "finances_guard_active()",
            DELETED,
        ),
        trigger(
            "finances_donationline_no_delete",
            "DELETE",
            "finances_donationline",
            "OLD.receipt_id IS NOT NULL AND finances_guard_active()",
            LINE_DELETED,
        ),
        trigger(
            "finances_donationline_frozen",
            "UPDATE",
            "finances_donationline",
            _line_condition("sqlite"),
            LINE_EDITED,
        ),
        trigger(
            "finances_donationrequest_validated",
            "UPDATE",
            "finances_donationrequest",
            _request_condition(),
            REQUEST_BACK,
        ),
    ]
    names = [
        "finances_receipt_no_delete",
        "finances_donationline_no_delete",
        "finances_donationline_frozen",
        "finances_donationrequest_validated",
    ]
    for name, condition, message in _receipt_conditions("sqlite"):
        names.append(f"finances_receipt_{name}")
        forward.append(
            trigger(f"finances_receipt_{name}", "UPDATE", "finances_receipt", condition, message)
        )
    backward = [f"DROP TRIGGER IF EXISTS {name};" for name in names]
    return forward, backward


def _statements(vendor: str, backward: bool) -> list[str]:
    if vendor == "postgresql":
        return _postgresql()[backward]
    if vendor == "sqlite":
        return _sqlite()[backward]
    raise NotImplementedError(f"Pas de garde des reçus pour la base {vendor}.")


def create_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, backward=False):
        schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, backward=True):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("finances", "0004_freeze_existing_receipts")]

    operations = [
        migrations.AddConstraint(
            model_name="donationline",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__isnull", True))
                | models.Q(("amount__gt", 0), ("amount__lte", Decimal("100000.00"))),
                name="donationline_amount_bounds",
                violation_error_message="Le montant d'un don est compris entre 0,01 € et 100 000 €.",
            ),
        ),
        migrations.AddConstraint(
            model_name="receipt",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0), ("amount__lte", Decimal("50000000.00"))),
                name="receipt_amount_bounds",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
