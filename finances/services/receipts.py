"""The receipt workflow: eligibility checks, submission, validation (numbering and issue),
sending back, rejection, cancellation and replacement."""

import datetime
import hashlib
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from occe.core.jobs import launch
from occe.core.models import Association, Job
from occe.core.validators import siren_problem

from ..models import (
    DONOR_FIELDS,
    GIFT_FIELDS,
    MAX_GIFT_AMOUNT,
    RENDER_JOB,
    DonationLine,
    DonationRequest,
    DonorType,
    Receipt,
    ReceiptCounter,
    gift_age_limit,
)
from .errors import WorkflowError

# --- Eligibility -----------------------------------------------------------------------------


def line_problems(
    donation_request: DonationRequest, lines: list[DonationLine] | None = None
) -> dict:
    """{line: [French messages]} for every line that cannot be receipted as it is."""
    association = Association.get()
    lines = list(donation_request.lines.all()) if lines is None else lines
    today = timezone.localdate()
    oldest = gift_age_limit(today, association.receipt_max_age_months)
    problems: dict[DonationLine, list[str]] = defaultdict(list)

    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.amount is not None and line.date:
            totals[(line.donor_key, line.date.year)] += line.amount
    if association.receipt_min_amount:
        _add_receipted_gifts(totals, association.receipt_min_amount, donation_request, lines)

    already = _already_receipted(lines)
    for line in lines:
        missing = line.missing_fields()
        if missing:
            problems[line].append("À compléter : " + ", ".join(missing) + ".")
        if line.donor_type == DonorType.ENTREPRISE and line.siren:
            problem = siren_problem(line.siren)
            if problem:
                problems[line].append(problem)
        if line.amount is not None and line.amount <= 0:
            problems[line].append("Le montant doit être supérieur à zéro.")
        if line.amount is not None and line.amount > MAX_GIFT_AMOUNT:
            problems[line].append(f"Un don ne dépasse pas {_euros(MAX_GIFT_AMOUNT)}.")
        if line.date:
            if line.date > today:
                problems[line].append("La date du don est dans le futur.")
            elif line.date < oldest:
                problems[line].append(
                    f"Le don date de plus de {association.receipt_max_age_months} mois : "
                    "il ne peut plus faire l'objet d'un reçu."
                )
        if (
            line.amount
            and line.amount > 0
            and line.date
            and association.receipt_min_amount
            and totals[(line.donor_key, line.date.year)] < association.receipt_min_amount
        ):
            problems[line].append(
                f"Les dons de ce donateur en {line.date.year} sont inférieurs au minimum de "
                f"{_euros(association.receipt_min_amount)} fixé par l'association "
                "(une participation aux activités de son enfant n'est pas un don)."
            )
        if line.receipt_id:
            problems[line].append(f"Ce don a déjà fait l'objet du reçu {line.receipt.number}.")
        elif line.pk in already:
            problems[line].append(f"Ce don a déjà fait l'objet du reçu {already[line.pk]}.")
    return dict(problems)


def _add_receipted_gifts(
    totals: dict[tuple, Decimal], minimum: Decimal, donation_request: DonationRequest, lines: list
) -> None:
    """The minimum holds per donor and per civil year: a donor's gifts of the year already
    receipted through other requests count towards it. Looked up only for the donors still
    below it, narrowed to their names (no query when every donor reaches the minimum)."""
    short = {key for key, total in totals.items() if total < minimum}
    if not short:
        return
    below = [line for line in lines if line.date and (line.donor_key, line.date.year) in short]
    years = {line.date.year for line in below}
    others = DonationLine.objects.filter(
        Q(receipt__cancelled_at__isnull=True) | Q(receipt__replaced_by__isnull=False),
        receipt__isnull=False,
        donor_index__in={line.compute_donor_index() for line in below},
        date__gte=datetime.date(min(years), 1, 1),
        date__lte=datetime.date(max(years), 12, 31),
    ).exclude(pk__in=[line.pk for line in lines if line.pk])
    if donation_request.pk:
        others = others.exclude(request_id=donation_request.pk)
    for other in others:
        key = (other.donor_key, other.date.year)
        if key in short:
            totals[key] += other.amount


def _euros(value) -> str:
    from occe.core.formats import euros

    return euros(value)


def _already_receipted(lines: list[DonationLine]) -> dict[int, str]:
    """Lines whose gift (same donor, date and amount) already has a valid receipt."""
    dated = [line for line in lines if line.date and line.amount]
    if not dated:
        return {}
    candidates = (
        DonationLine.objects.filter(
            Q(receipt__cancelled_at__isnull=True) | Q(receipt__replaced_by__isnull=False),
            receipt__isnull=False,
            donor_index__in={line.compute_donor_index() for line in dated},
            date__in={line.date for line in dated},
            amount__in={line.amount for line in dated},
        )
        .exclude(pk__in=[line.pk for line in dated if line.pk])
        .select_related("receipt", "receipt__replaced_by")
    )
    index = {
        (c.donor_key, c.date, c.amount): getattr(c.receipt, "replaced_by", c.receipt).number
        for c in candidates
    }
    return {
        line.pk: index[(line.donor_key, line.date, line.amount)]
        for line in dated
        if (line.donor_key, line.date, line.amount) in index
    }


def staff_warnings(donation_request: DonationRequest, lines: list[DonationLine]) -> dict:
    """{line: [warnings]}: what staff should look at before validating (not blocking)."""
    warnings: dict[DonationLine, list[str]] = defaultdict(list)
    unusual = Association.get().receipt_unusual_amount
    for line in lines:
        if unusual and line.amount and line.amount >= unusual:
            warnings[line].append(f"Montant inhabituel (≥ {_euros(unusual)}).")
    dated = [line for line in lines if line.date and line.amount]
    if dated:
        # Narrowed to the same donors: a date and an amount alone match thousands of lines.
        others = (
            DonationLine.objects.filter(
                donor_index__in={line.compute_donor_index() for line in dated},
                date__in={line.date for line in dated},
                amount__in={line.amount for line in dated},
            )
            .exclude(request=donation_request)
            .exclude(request__status=DonationRequest.Status.REJECTED)
            .select_related("request")
        )
        index = defaultdict(list)
        for other in others:
            index[(other.donor_key, other.date, other.amount)].append(other.request_id)
        for line in dated:
            for request_id in index.get((line.donor_key, line.date, line.amount), []):
                warnings[line].append(f"Même don dans la demande n° {request_id}.")
    return dict(warnings)


# --- Workflow --------------------------------------------------------------------------------


def _notify_mandataires(donation_request: DonationRequest, subject: str, template: str) -> None:
    """E-mail the coop's mandataires after the commit, from a worker (never during the
    request: an SMTP server that is slow or down must not slow or break the page)."""
    from .. import tasks

    tasks.notify_mandataires.delay_on_commit(donation_request.pk, subject, template)


def submit(donation_request: DonationRequest, user) -> None:
    if not donation_request.is_editable:
        raise WorkflowError("Cette demande a déjà été soumise.")
    if not donation_request.certified:
        raise WorkflowError(
            "Certifiez que chaque don a été reçu sur le compte de la coopérative et n'a fait "
            "l'objet d'aucune contrepartie.",
            field="certified",
        )
    lines = list(donation_request.lines.all())
    if not lines:
        raise WorkflowError("La demande ne contient aucun don.")
    if line_problems(donation_request, lines):
        raise WorkflowError("Certaines lignes sont à corriger : voir les messages sur les lignes.")
    donation_request.status = DonationRequest.Status.SUBMITTED
    donation_request.submitted_at = timezone.now()
    donation_request.submitted_by = user
    donation_request.save(update_fields=["status", "submitted_at", "submitted_by"])


def send_back(donation_request: DonationRequest, user, reason: str) -> None:
    if donation_request.status != DonationRequest.Status.SUBMITTED:
        raise WorkflowError("Seule une demande soumise peut être renvoyée pour correction.")
    _decide(donation_request, user, DonationRequest.Status.TO_CORRECT, reason)
    _notify_mandataires(
        donation_request, "demande de reçus à corriger", "finances/email/to_correct.txt"
    )


def reject(donation_request: DonationRequest, user, reason: str) -> None:
    if donation_request.status not in (
        DonationRequest.Status.SUBMITTED,
        DonationRequest.Status.TO_CORRECT,
    ):
        raise WorkflowError("Cette demande ne peut plus être rejetée.")
    _decide(donation_request, user, DonationRequest.Status.REJECTED, reason)
    _notify_mandataires(donation_request, "demande de reçus rejetée", "finances/email/rejected.txt")


def _decide(donation_request, user, status, reason) -> None:
    if not reason.strip():
        raise WorkflowError("Indiquez le motif.")
    donation_request.status = status
    donation_request.reason = reason.strip()
    donation_request.decided_at = timezone.now()
    donation_request.decided_by = user
    donation_request.save(update_fields=["status", "reason", "decided_at", "decided_by"])


def reserve_numbers(year: int, count: int) -> tuple[str, list[int]]:
    """The year's number prefix and a block of `count` consecutive sequence numbers.

    Must run inside the transaction that creates the receipts: the counter row stays locked
    until it commits, so concurrent validations wait instead of taking the same numbers, and a
    rollback gives the numbers back (no gap). The prefix is the one set at the year's first
    issue, so a change of setting mid-year does not split the year's series.
    """
    ReceiptCounter.objects.get_or_create(
        year=year, defaults={"prefix": Association.get().receipt_number_prefix}
    )
    counter = ReceiptCounter.objects.select_for_update().get(year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return counter.prefix, list(range(first, first + count))


ISSUER_FOLDER = "private/finances/emetteur"


def _frozen_image(image) -> str:
    """A copy of an image of the settings in the private receipts folder, named by its content:
    the receipt keeps its logo and signature even if the settings' files change or go."""
    if not image:
        return ""
    try:
        with image.open("rb") as handle:
            content = handle.read()
    except OSError:
        return ""
    suffix = Path(image.name).suffix.lower()[:10]
    relative = f"{ISSUER_FOLDER}/{hashlib.sha256(content).hexdigest()}{suffix}"
    target = Path(settings.MEDIA_ROOT) / relative
    if not target.exists():
        from ..rendering import store_atomically

        store_atomically(relative, content)
    return relative


def issuer_snapshot(association: Association, cooperative) -> dict:
    """Everything the receipt prints about its issuer, as it is at issue."""
    return {
        "name": association.name,
        "short_name": association.short_name,
        "siren": association.siren,
        "rna": association.rna,
        "address": association.address,
        "postal_code": association.postal_code,
        "city": association.city,
        "objet": association.objet,
        "status": association.status,
        "decree_date": _iso(association.decree_date),
        "journal_officiel_date": _iso(association.journal_officiel_date),
        "signatory_name": association.signatory_name,
        "signatory_quality": association.signatory_quality,
        "city_of_issue": association.city,
        "logo": _frozen_image(association.logo),
        "signature": _frozen_image(association.signature),
        "cooperative_name": cooperative.name,
        "cooperative_number": cooperative.number,
    }


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def issuer_problems(association: Association) -> list[str]:
    """What the association's settings lack for a receipt to be valid (French messages)."""
    problems = []
    if not (association.siren or association.rna):
        problems.append("le SIREN ou le RNA de l'association")
    if not association.signatory_name.strip():
        problems.append("le nom du signataire des reçus")
    if not association.signatory_quality.strip():
        problems.append("la qualité du signataire (président, trésorier…)")
    return problems


def _check_issuer(association: Association) -> None:
    problems = issuer_problems(association)
    if problems:
        raise WorkflowError(
            "Aucun reçu ne peut être émis : renseignez "
            + ", ".join(problems)
            + " dans les paramètres de l'association."
        )


def _group_lines(
    donation_request: DonationRequest, lines: list[DonationLine]
) -> list[list[DonationLine]]:
    if not donation_request.group_by_donor:
        return [[line] for line in lines]
    groups: dict[tuple, list[DonationLine]] = {}
    for line in lines:
        groups.setdefault((line.donor_key, line.date.year, line.form, line.nature), []).append(line)
    return list(groups.values())


def _receipt_from(group: list[DonationLine], **fields) -> Receipt:
    first = group[0]
    methods = {line.payment_method for line in group}
    return Receipt(
        **{name: getattr(first, name) for name in DONOR_FIELDS},
        amount=sum((line.amount for line in group), Decimal("0")),
        gift_date=first.date if len(group) == 1 else None,
        summary_year=first.date.year if len(group) > 1 else None,
        gifts=Receipt.gifts_of(group),
        form=first.form,
        nature=first.nature,
        payment_method=first.payment_method if len(methods) == 1 else "",
        **fields,
    )


@transaction.atomic
def validate(request_id: int, user) -> list[Receipt]:
    """Issue the receipts of a submitted request, numbered in this transaction; the PDFs are
    rendered (and e-mails sent) by background tasks after the commit."""
    donation_request = (
        DonationRequest.objects.select_for_update().select_related("cooperative").get(pk=request_id)
    )
    if donation_request.status != DonationRequest.Status.SUBMITTED:
        raise WorkflowError("Seule une demande soumise peut être validée.")
    association = Association.get()
    _check_issuer(association)
    lines = list(donation_request.lines.select_related("receipt"))
    receipted = [line.receipt.number for line in lines if line.receipt_id]
    if receipted:
        # A gift is receipted once, whatever happened to the request since.
        raise WorkflowError(
            "Certains dons de cette demande ont déjà fait l'objet d'un reçu ("
            + ", ".join(sorted(set(receipted)))
            + ") : aucun nouveau reçu n'est émis."
        )
    problems = line_problems(donation_request, lines)
    if problems:
        raise WorkflowError("Certaines lignes ne peuvent pas faire l'objet d'un reçu.")
    now = timezone.now()
    year = timezone.localdate(now).year
    groups = _group_lines(donation_request, lines)
    # Without locking, concurrent validations could take the same numbers.
    prefix, sequences = reserve_numbers(year, len(groups))
    issuer = issuer_snapshot(association, donation_request.cooperative)
    receipts = []
    for group, sequence in zip(groups, sequences, strict=True):
        emailed = donation_request.email_donors and group[0].email
        receipts.append(
            _receipt_from(
                group,
                year=year,
                sequence=sequence,
                number=Receipt.format_number(year, sequence, prefix),
                request=donation_request,
                cooperative=donation_request.cooperative,
                issued_at=now,
                issued_by=user,
                issuer=issuer,
                email_status=Receipt.EmailStatus.PENDING if emailed else "",
                email_queued_at=now if emailed else None,
            )
        )
    bulk_create_with_history(receipts, Receipt, default_user=user)
    if not receipts[0].pk:  # backends without RETURNING
        by_number = dict(
            Receipt.objects.filter(request=donation_request).values_list("number", "pk")
        )
        for receipt in receipts:
            receipt.pk = by_number[receipt.number]
    for group, receipt in zip(groups, receipts, strict=True):
        for line in group:
            line.receipt = receipt
    bulk_update_with_history(lines, DonationLine, ["receipt"], default_user=user)
    donation_request.status = DonationRequest.Status.VALIDATED
    donation_request.decided_at = now
    donation_request.decided_by = user
    donation_request.reason = ""
    donation_request.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    schedule_rendering(donation_request, [r.pk for r in receipts], user)
    _notify_mandataires(donation_request, "reçus fiscaux émis", "finances/email/validated.txt")
    return receipts


def schedule_rendering(donation_request: DonationRequest, receipt_ids: list[int], user=None) -> Job:
    """A job (linked to the request) for these receipts' missing files, its batches queued
    after the commit."""
    receipt_ids = sorted(receipt_ids)
    return launch(
        RENDER_JOB,
        user=user,
        total=len(receipt_ids),
        parameters={"receipts": receipt_ids},
        obj=donation_request,
    )


@transaction.atomic
def cancel(receipt_id: int, user, reason: str) -> Receipt:
    """Cancel a receipt: it keeps its number; its PDF is re-rendered marked « ANNULÉ »."""
    receipt = Receipt.objects.select_for_update().get(pk=receipt_id)
    if receipt.is_cancelled:
        raise WorkflowError("Ce reçu est déjà annulé.")
    if not reason.strip():
        raise WorkflowError("Indiquez le motif de l'annulation.")
    receipt.cancelled_at = timezone.now()
    receipt.cancelled_by = user
    receipt.cancel_reason = reason.strip()
    receipt.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    # The marked copy is rendered beside the original, which stays as an archive.
    schedule_rendering(receipt.request, [receipt.pk], user)
    return receipt


@transaction.atomic
def replace(receipt_id: int, user, reason: str, **changes) -> Receipt:
    """Cancel a receipt and issue its replacement (new number) with corrected donor data."""
    association = Association.get()
    _check_issuer(association)
    original = cancel(receipt_id, user, reason)
    year = timezone.localdate().year
    prefix, (sequence,) = reserve_numbers(year, 1)
    fields = {name: getattr(original, name) for name in GIFT_FIELDS}
    fields.update({k: v for k, v in changes.items() if v not in (None, "")})
    replacement = Receipt.objects.create(
        year=year,
        sequence=sequence,
        number=Receipt.format_number(year, sequence, prefix),
        request=original.request,
        cooperative_id=original.cooperative_id,
        issued_at=timezone.now(),
        issued_by=user,
        # A replacement is a new document: it carries the issuer as it is today.
        issuer=issuer_snapshot(association, original.cooperative),
        replaces=original,
        **fields,
    )
    schedule_rendering(original.request, [replacement.pk], user)
    return replacement


def amount_total(receipts) -> Decimal:
    return receipts.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def civil_year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )
