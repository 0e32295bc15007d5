"""The grants workflow: applications submitted to a session, reviewed and decided by the
commission, notified by letter, paid once or in parts (never beyond the grant)."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import BudgetLine, GrantApplication, GrantOpinion, GrantPayment, GrantSession
from .errors import WorkflowError

Status = GrantApplication.Status


def euros(value: Decimal) -> str:
    from occe.core.formats import euros as fmt

    return fmt(value)


def budget_problem(expenses: Decimal, resources: Decimal) -> str:
    """'' when the budget balances, otherwise what is wrong (in French)."""
    if expenses <= 0:
        return "Le budget n'a aucune dépense."
    if expenses != resources:
        return (
            f"Le budget n'est pas équilibré : {euros(expenses)} de dépenses pour "
            f"{euros(resources)} de recettes (montant demandé compris)."
        )
    return ""


def missing_report_problem(application: GrantApplication) -> str:
    """A coop whose previous grant's bilan is missing cannot submit a new application."""
    missing = (
        GrantApplication.objects.missing_report()
        .filter(cooperative=application.cooperative)
        .exclude(pk=application.pk)
        .order_by("decided_at")
        .first()
    )
    if missing is None:
        return ""
    return (
        f"Le bilan du projet « {missing.title} » (aide accordée le "
        f"{timezone.localtime(missing.decided_at):%d/%m/%Y}) n'a pas été remis : remettez-le "
        "avant de déposer une nouvelle demande."
    )


def submission_problems(application: GrantApplication) -> list[str]:
    problems = []
    if application.session.status != GrantSession.Status.OPEN:
        problems.append("La session n'accepte plus de demandes.")
    elif application.session.deadline < timezone.localdate():
        problems.append("La date limite de dépôt de cette session est passée.")
    problem = budget_problem(*application.budget_totals())
    if problem:
        problems.append(problem)
    if application.kind == "solidarite" and not application.situation.strip():
        problems.append("Décrivez la situation de la coopérative.")
    problem = missing_report_problem(application)
    if problem:
        problems.append(problem)
    return problems


def submit(application: GrantApplication, user, engaged: bool) -> None:
    if not engaged:
        raise WorkflowError("Cochez l'engagement pour déposer la demande.")
    with transaction.atomic():
        application = GrantApplication.objects.select_for_update().get(pk=application.pk)
        if not application.is_editable_by(user):
            raise WorkflowError("Cette demande n'est plus un brouillon.")
        problems = submission_problems(application)
        if problems:
            raise WorkflowError(" ".join(problems))
        now = timezone.now()
        application.status = Status.SUBMITTED
        application.engaged_at = application.submitted_at = now
        application.save(update_fields=["status", "engaged_at", "submitted_at"])


def save_budget(application: GrantApplication, lines: list[tuple[str, str, Decimal]]) -> None:
    """Replace the budget's lines by `lines` [(side, label, amount)]."""
    application.budget_lines.all().delete()
    BudgetLine.objects.bulk_create(
        [
            BudgetLine(application=application, side=side, label=label, amount=amount)
            for side, label, amount in lines
        ]
    )


def advance_session(session: GrantSession, user) -> None:
    """ouverte → en examen (submitted applications go under review) → décidée (every one
    decided) → close."""
    with transaction.atomic():
        session = GrantSession.objects.select_for_update().get(pk=session.pk)
        target = session.next_status
        if target is None:
            raise WorkflowError("Cette session est close.")
        if target == GrantSession.Status.DECIDED:
            pending = session.applications.filter(status__in=[Status.SUBMITTED, Status.REVIEW])
            if pending.exists():
                raise WorkflowError(f"{pending.count()} demande(s) attendent encore une décision.")
        if target == GrantSession.Status.REVIEW:
            session.applications.filter(status=Status.SUBMITTED).update(status=Status.REVIEW)
        session.status = target
        session.save(update_fields=["status"])


def give_opinion(application, user, opinion: str, amount: Decimal, comment: str) -> GrantOpinion:
    if application.status != Status.REVIEW:
        raise WorkflowError("Les avis se donnent pendant l'examen de la demande.")
    if amount > application.amount_requested:
        raise WorkflowError("Le montant proposé dépasse le montant demandé.")
    if opinion == GrantOpinion.Opinion.UNFAVORABLE:
        amount = Decimal("0")
    result, _ = GrantOpinion.objects.update_or_create(
        application=application,
        administrator=user,
        defaults={"opinion": opinion, "proposed_amount": amount, "comment": comment},
    )
    return result


def decide(application, user, granted: bool, amount: Decimal | None, note: str) -> None:
    """Record the commission's decision and send the notification letter once committed."""
    from ..tasks.grants import send_decision_letter

    with transaction.atomic():
        application = GrantApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != Status.REVIEW:
            raise WorkflowError("Seule une demande en examen peut être décidée.")
        if granted:
            if not amount or amount <= 0:
                raise WorkflowError("Indiquez le montant accordé.")
            if amount > application.amount_requested:
                raise WorkflowError("Le montant accordé dépasse le montant demandé.")
            application.status, application.granted_amount = Status.GRANTED, amount
        else:
            if not note.strip():
                raise WorkflowError("Indiquez le motif du refus.")
            application.status, application.granted_amount = Status.REFUSED, None
        application.decision_note = note
        application.decided_at, application.decided_by = timezone.now(), user
        application.save(
            update_fields=["status", "granted_amount", "decision_note", "decided_at", "decided_by"]
        )
        send_decision_letter.delay_on_commit(application.pk)


def _add_payment(locked, user, date, amount: Decimal, reference: str, corrects=None):
    """Inside a transaction, the application's row `locked`: the new payment, added to the
    paid total if it fits in what remains."""
    if locked.status != Status.GRANTED:
        raise WorkflowError("Seule une aide accordée peut être versée.")
    remaining = locked.granted_amount - locked.paid_amount
    if amount > remaining:
        raise WorkflowError(f"Le versement dépasse le reste à verser ({euros(remaining)}).")
    payment = GrantPayment.objects.create(
        application=locked,
        date=date,
        amount=amount,
        reference=reference,
        recorded_by=user,
        corrects=corrects,
    )
    GrantApplication.objects.filter(pk=locked.pk).update(paid_amount=F("paid_amount") + amount)
    locked.paid_amount += amount
    return payment


def _integrity_problem(exc: IntegrityError, reference: str) -> WorkflowError:
    if "reference" in str(exc) or "unique" in str(exc).lower():
        return WorkflowError(f"Le virement « {reference} » est déjà enregistré.")
    return WorkflowError("Le total versé dépasserait le montant accordé.")


def record_payment(application, user, date, amount: Decimal, reference: str) -> GrantPayment:
    """Pay part or all of a grant. The application's row is locked first, so two concurrent
    payments are added one after the other and the second sees the first; the database's
    CheckConstraint (paid ≤ granted) is the last guard."""
    if amount <= 0:
        raise WorkflowError("Le montant doit être supérieur à zéro.")
    try:
        with transaction.atomic():
            locked = GrantApplication.objects.select_for_update().get(pk=application.pk)
            payment = _add_payment(locked, user, date, amount, reference)
    except IntegrityError as exc:
        raise _integrity_problem(exc, reference) from exc
    return payment


def _cancel_locked(payment_pk: int, user, reason: str) -> tuple[GrantApplication, GrantPayment]:
    """Inside a transaction: lock the application then the payment (always in this order, as
    record_payment does, so no two writers wait on each other), cancel the payment and take
    its amount off the paid total."""
    if not user.is_secretariat:
        raise WorkflowError("Seul le secrétariat annule un versement.")
    reason = reason.strip()
    if not reason:
        raise WorkflowError("Indiquez le motif de l'annulation.")
    application_pk = GrantPayment.objects.values_list("application_id", flat=True).get(
        pk=payment_pk
    )
    locked = GrantApplication.objects.select_for_update().get(pk=application_pk)
    payment = GrantPayment.objects.select_for_update().get(pk=payment_pk)
    if payment.is_cancelled:
        raise WorkflowError(
            f"Ce versement a déjà été annulé le "
            f"{timezone.localtime(payment.cancelled_at):%d/%m/%Y à %H:%M}."
        )
    payment.cancelled_at, payment.cancelled_by, payment.cancel_reason = (
        timezone.now(),
        user,
        reason[:250],
    )
    payment.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    GrantApplication.objects.filter(pk=locked.pk).update(
        paid_amount=F("paid_amount") - payment.amount
    )
    locked.paid_amount -= payment.amount
    return locked, payment


def cancel_payment(payment: GrantPayment, user, reason: str) -> GrantPayment:
    """A payment recorded by mistake is cancelled (who, when, why), never deleted: it no longer
    counts in what was paid."""
    with transaction.atomic():
        _, cancelled = _cancel_locked(payment.pk, user, reason)
    return cancelled


def correct_payment(
    payment: GrantPayment, user, reason: str, date, amount: Decimal, reference: str
) -> GrantPayment:
    """A correction: the wrong payment cancelled and the right one recorded, in one
    transaction (both or neither), on the application's row locked."""
    if amount <= 0:
        raise WorkflowError("Le montant doit être supérieur à zéro.")
    try:
        with transaction.atomic():
            locked, cancelled = _cancel_locked(payment.pk, user, reason)
            return _add_payment(locked, user, date, amount, reference, corrects=cancelled)
    except IntegrityError as exc:
        raise _integrity_problem(exc, reference) from exc


def submit_report(application, user, text: str, expenses: Decimal) -> None:
    if not application.report_is_editable_by(user):
        raise WorkflowError("Le bilan se remet pour une aide accordée.")
    application.report_text, application.report_expenses = text, expenses
    application.report_submitted_at = timezone.now()
    application.save(update_fields=["report_text", "report_expenses", "report_submitted_at"])
