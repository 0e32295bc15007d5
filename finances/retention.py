"""Donors' personal data: kept as long as the receipts must be justified, then erased.

A receipt is a tax document: the administration may check it for six years (article L102 B of
the Livre des procédures fiscales), counted here from the end of its year of issue. Until then
nothing of it changes (database triggers, finances/guard.py). After that, the donor's identity
goes (name, first name, address, e-mail, and the PDFs that print them): the number, year, dates,
amount and gifts stay, so the numbering still proves it has no gap and the yearly figures stay
true. Migration 0006 lets the database accept that change, and only that one, only then.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from occe.ops.retention import person_data, person_eraser, retention_rule

from .models import DonationLine, DonationRequest, Receipt, TrousseImport

RECEIPT_YEARS = 6
PERSONAL = ["last_name", "first_name", "address", "postal_code", "city", "country", "email"]


def retention_end(year: int) -> datetime.date:
    """The last day a receipt issued in `year` keeps its donor's identity."""
    return datetime.date(year + RECEIPT_YEARS, 12, 31)


def expired_receipts(today: datetime.date):
    return Receipt._base_manager.filter(
        anonymised_on__isnull=True, year__lte=today.year - RECEIPT_YEARS - 1
    )


@retention_rule(
    "finances.donateurs",
    label="Identité des donateurs (reçus fiscaux)",
    purpose="Émettre les reçus fiscaux et les justifier auprès de l'administration fiscale ; "
    "ces données ne servent à rien d'autre.",
    duration="6 ans après la fin de l'année d'émission du reçu (article L102 B du livre des "
    "procédures fiscales) ; ensuite le nom, l'adresse, le courriel et les PDF sont effacés, le "
    "numéro, la date et le montant restent",
    order=10,
)
def anonymise_donors(today: datetime.date) -> int:
    with transaction.atomic():
        ids = list(expired_receipts(today).select_for_update().values_list("pk", flat=True))
        return _anonymise(ids, today) if ids else 0


def _anonymise(ids: list[int], today: datetime.date) -> int:
    with transaction.atomic():
        files = [
            name
            for pair in Receipt._base_manager.filter(pk__in=ids).values_list("pdf", "cancelled_pdf")
            for name in pair
            if name
        ]
        blank = dict.fromkeys(PERSONAL, "")
        # .update(): one statement, and no history row that would copy the identity again.
        # `anonymised_on__isnull` again: a concurrent run (the monthly task, a person's
        # request) that anonymised a row first leaves it out (PostgreSQL re-reads a row it
        # waited for), instead of the trigger refusing a second anonymisation.
        count = Receipt._base_manager.filter(pk__in=ids, anonymised_on__isnull=True).update(
            **blank, pdf="", cancelled_pdf="", email_error="", anonymised_on=today
        )
        Receipt.history.filter(id__in=ids).update(**blank, pdf="", cancelled_pdf="")
        DonationLine.objects.filter(receipt_id__in=ids).update(**blank, donor_index="")
        transaction.on_commit(lambda: _delete_files(files))
    return count


@retention_rule(
    "finances.dons-sans-recu",
    label="Donateurs des demandes de reçus non abouties",
    purpose="Instruire une demande de reçus (brouillon, à corriger, rejetée).",
    duration="1 an après la dernière décision ou la création de la demande",
    order=11,
)
def anonymise_unreceipted_gifts(today: datetime.date) -> int:
    limit = today - datetime.timedelta(days=settings.RETENTION_UNRECEIPTED_GIFTS_DAYS)
    stale = DonationRequest.objects.exclude(
        status__in=[DonationRequest.Status.VALIDATED, DonationRequest.Status.SUBMITTED]
    ).filter(Q(decided_at__date__lt=limit) | Q(decided_at__isnull=True, created_at__date__lt=limit))
    lines = DonationLine.objects.filter(request__in=stale, receipt__isnull=True).exclude(
        last_name="", first_name="", address="", email=""
    )
    return lines.update(**dict.fromkeys(PERSONAL, ""), donor_index="")


@retention_rule(
    "finances.exports-trousse",
    label="Exports déposés de la Trousse à projets (donateurs de la plateforme)",
    purpose="Faire correspondre les colonnes de l'export avant de créer la demande de reçus.",
    duration="30 jours après le dépôt (les dons retenus sont dans la demande créée)",
    order=12,
)
def forget_trousse_exports(today: datetime.date) -> int:
    days = settings.RETENTION_FILE_DAYS.get("trousse", settings.RETENTION_FILE_DAYS["import"])
    limit = today - datetime.timedelta(days=days)
    old = TrousseImport.objects.filter(created_at__date__lt=limit)
    # Never mapped: nothing refers to it. Mapped: the request keeps what it took; the raw rows go.
    deleted = old.filter(request__isnull=True).delete()[0]
    return deleted + old.exclude(rows=[]).update(rows=[], headers=[])


RECEIPT_FIELDS = [
    "number", "year", "donor_type", "last_name", "first_name", "company_name", "address",
    "postal_code", "city", "country", "email", "amount", "gift_date", "summary_year",
    "issued_at", "cancelled_at", "cancel_reason", "anonymised_on",
]  # fmt: skip
LINE_FIELDS = [
    "request_id", "donor_type", "last_name", "first_name", "company_name", "address",
    "postal_code", "city", "country", "email", "amount", "date", "receipt_id",
]  # fmt: skip


@person_data("dons")
def donor_data(email: str, user):
    """A donor is known by the address on their gifts (no account)."""
    receipts = Receipt._base_manager.filter(email__iexact=email).order_by("year", "sequence")
    lines = DonationLine.objects.filter(email__iexact=email).order_by("request_id", "position")
    rows = [{"reçu": row} for row in receipts.values(*RECEIPT_FIELDS)]
    rows += [{"don": row} for row in lines.values(*LINE_FIELDS)]
    files = [
        (receipt.cancelled_pdf.name or receipt.pdf.name, f"recus/{receipt.number}.pdf")
        for receipt in receipts
        if receipt.pdf or receipt.cancelled_pdf
    ]
    return rows, files


@person_eraser("dons")
def erase_donor(email: str, user, today: datetime.date):
    """Gifts without a receipt are erased; a receipt keeps its donor until its retention ends
    (anonymised now if it has)."""
    erased = anonymise_donors_of(email, today)
    lines = DonationLine.objects.filter(email__iexact=email, receipt__isnull=True)
    erased += lines.update(**dict.fromkeys(PERSONAL, ""), donor_index="")
    kept = Receipt._base_manager.filter(email__iexact=email, anonymised_on__isnull=True)
    last = kept.order_by("-year").values_list("year", flat=True).first()
    if last is None:
        return erased, ""
    return erased, (
        f"Reçus fiscaux : {kept.count()} reçu(s) gardent l'identité du donateur jusqu'au "
        f"{retention_end(last):%d/%m/%Y} (obligation fiscale, article L102 B du LPF), "
        "puis sont anonymisés d'eux-mêmes."
    )


def anonymise_donors_of(email: str, today: datetime.date) -> int:
    """The receipts of this donor whose retention has ended (the monthly run may not have
    passed yet)."""
    ids = list(expired_receipts(today).filter(email__iexact=email).values_list("pk", flat=True))
    return _anonymise(ids, today) if ids else 0


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)
