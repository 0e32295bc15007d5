"""Demo CRFS and controls (`manage.py demo_data`), chained from finances/demo.py.

For the PREVIOUS school year (the one the seed report describes): a CRFS for most coops
affiliated that year (90 %; most accepted, some waiting, a few sent back, some received late),
flagged ones among them (on paper, without quitus, high bank balance, books/bank gap), and the
seed report's **13 controls** opened by the board for these four reasons (4 on paper, 3 without
quitus, 3 high balance, 3 gap), at every stage (open, visit planned, findings, closed), with
follow-up actions. The year before has accepted CRFS too (the opening balances follow from
them, and the campaign page has last year's figures). The board does not grow with the
department: the same 13 controls at every scale; the flags grow with it.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from cooperatives.models import Affiliation, Mandate
from occe.accounts.models import Role, User
from occe.core.demo_apps import DemoContext
from occe.core.models import Association, SchoolYear

from .models.controls import REASON_FIELDS, Control, ControlAction
from .models.crfs import Crfs, CrfsCategory, CrfsLine, Format, Kind, Reason, Status, due_date

DAY = datetime.timedelta(days=1)
CENT = Decimal("0.01")

# The seed report's 13 controls, by reason (its four reasons).
CONTROLS = {
    Reason.PAPER: 4,
    Reason.NO_QUITUS: 3,
    Reason.HIGH_BALANCE: 3,
    Reason.BANK_GAP: 3,
}
# Flagged reports at the department's scale (625 coops); the board controls some of them.
FLAGGED = {
    Reason.PAPER: 30,
    Reason.NO_QUITUS: 20,
    Reason.HIGH_BALANCE: 15,
    Reason.BANK_GAP: 12,
}
STAGES = [
    Control.Status.CLOSED,
    Control.Status.CLOSED,
    Control.Status.FINDINGS,
    Control.Status.VISIT_PLANNED,
    Control.Status.OPEN,
]
FINDINGS = {
    Reason.PAPER: "Compte rendu tenu sur papier ; cahier de comptabilité incomplet.",
    Reason.NO_QUITUS: "Les vérificateurs aux comptes n'ont pas été réunis ; pas de quitus.",
    Reason.HIGH_BALANCE: "Solde élevé sans projet identifié ; fonds à utiliser pour les élèves.",
    Reason.BANK_GAP: "Chèques émis non enregistrés ; rapprochement bancaire non fait.",
}


def _money(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) * CENT


def _split(rng, total: Decimal, parts: int) -> list[Decimal]:
    """`total` split into `parts` positive amounts to the cent."""
    cuts = sorted(rng.random() for _ in range(parts - 1))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, 1], strict=True)]
    amounts = [(total * Decimal(str(round(s, 4)))).quantize(CENT) for s in shares]
    amounts[-1] = total - sum(amounts[:-1])
    return amounts


def populate(context: DemoContext) -> list[str] | str:
    rng = context.rng("finances.crfs")
    association = Association.get()
    current = SchoolYear.objects.current()
    previous = current.previous()
    before = previous.previous()
    coops = list(
        Affiliation.objects.filter(school_year=previous, status=Affiliation.Status.VALIDATED)
        .order_by("cooperative_id")
        .values_list("cooperative_id", flat=True)
    )
    if not coops:
        return "Comptes rendus financiers : pas de coopérative affiliée, rien n'est créé."
    mandataires = dict(
        Mandate.objects.filter(kind=Mandate.Kind.PRINCIPAL)
        .order_by("start_date")
        .values_list("cooperative_id", "user_id")
    )
    secretariat = User.objects.filter(role=Role.SECRETARIAT).order_by("pk").first()
    board = list(User.objects.filter(role=Role.ADMINISTRATEUR).order_by("pk"))
    categories = list(CrfsCategory.objects.ensure_defaults())
    income_cats = [c for c in categories if c.kind == Kind.INCOME]
    expense_cats = [c for c in categories if c.kind == Kind.EXPENSE]
    municipal = next(c for c in income_cats if c.label.startswith("Subventions de la commune"))

    received = rng.sample(coops, round(len(coops) * 0.9))
    received.sort()
    flagged_pool = list(received)
    rng.shuffle(flagged_pool)
    flagged: dict[str, list[int]] = {}
    for reason, count in FLAGGED.items():
        wanted = max(context.scaled(count), CONTROLS[reason])
        flagged[reason], flagged_pool = flagged_pool[:wanted], flagged_pool[wanted:]
    reason_of = {coop: reason for reason, ids in flagged.items() for coop in ids}

    reports, lines = [], []
    closings = {}
    # The year before: accepted reports of most of the same coops, their closing balances
    # becoming last year's openings.
    for coop in coops:
        if rng.random() < 0.85:
            crfs, crfs_lines = _report(
                rng,
                coop,
                before,
                None,
                Status.ACCEPTED,
                "",
                association,
                income_cats,
                expense_cats,
                municipal,
                mandataires,
                secretariat,
            )
            closings[coop] = crfs.closing_balance
            reports.append(crfs)
            lines.append(crfs_lines)
    for coop in received:
        draw = rng.random()
        status = (
            Status.ACCEPTED
            if draw < 0.8
            else Status.SUBMITTED
            if draw < 0.95
            else Status.TO_CORRECT
        )
        crfs, crfs_lines = _report(
            rng,
            coop,
            previous,
            closings.get(coop),
            status,
            reason_of.get(coop, ""),
            association,
            income_cats,
            expense_cats,
            municipal,
            mandataires,
            secretariat,
        )
        reports.append(crfs)
        lines.append(crfs_lines)
    # A few drafts begun by mandataires and not sent yet.
    for coop in [c for c in coops if c not in set(received)][: max(1, len(coops) // 50)]:
        crfs, crfs_lines = _report(
            rng,
            coop,
            previous,
            closings.get(coop),
            Status.DRAFT,
            "",
            association,
            income_cats,
            expense_cats,
            municipal,
            mandataires,
            secretariat,
        )
        reports.append(crfs)
        lines.append(crfs_lines)
    Crfs.objects.bulk_create(reports, batch_size=500)
    CrfsLine.objects.bulk_create(
        (
            CrfsLine(crfs=crfs, category=category, amount=amount)
            for crfs, crfs_lines in zip(reports, lines, strict=True)
            for category, amount in crfs_lines
        ),
        batch_size=1000,
    )
    controls = _controls(rng, previous, flagged, board) if board else 0
    late = sum(
        1
        for r in reports
        if r.school_year == previous
        and r.submitted_at
        and r.submitted_at.date() > due_date(previous)
    )
    return (
        f"Comptes rendus financiers : {len(received)} reçus pour {previous} sur {len(coops)} "
        f"attendus ({late} en retard), {sum(len(v) for v in flagged.values())} signalés ; "
        f"{controls} contrôles."
    )


def _report(
    rng,
    coop,
    year,
    opening,
    status,
    reason,
    association,
    income_cats,
    expense_cats,
    municipal,
    mandataires,
    secretariat,
):
    """One coop's CRFS of `year`, balanced; `reason` makes it raise that flag (and only it)."""
    opening = opening if opening is not None else _money(rng, 500, 8000)
    income = _money(rng, 2000, 15000)
    if reason == Reason.HIGH_BALANCE:
        target = association.control_high_balance + _money(rng, 500, 12000)
        income = max(income, target - opening + _money(rng, 1000, 5000))
    elif not reason and rng.random() < 0.03:
        target = -_money(rng, 20, 400)  # an overdrawn account: negative balances
    else:
        target = _money(rng, 300, 9000)
    # Expenses bring the closing balance to the target, within the bounds of a real year.
    expense = max(Decimal("0"), opening + income - target)
    closing = opening + income - expense
    pending = _money(rng, 0, 300) if rng.random() < 0.5 else Decimal("0")
    bank = closing + pending
    if reason == Reason.BANK_GAP:
        bank += association.control_gap + _money(rng, 50, 2000)
    elif rng.random() < 0.2:  # a small gap, under the threshold
        bank += _money(rng, 1, max(1, int(association.control_gap) // 2))
    received_on = None
    if status != Status.DRAFT:
        late = rng.random() < 0.1
        received_on = (
            due_date(year, association)
            + (rng.randint(1, 60) if late else -rng.randint(0, 25)) * DAY
        )
    approval = year.end_date + rng.randint(5, 25) * DAY
    quitus = reason != Reason.NO_QUITUS
    user_id = mandataires.get(coop)
    paper = reason == Reason.PAPER
    crfs = Crfs(
        cooperative_id=coop,
        school_year=year,
        status=status,
        format=Format.PAPER
        if paper
        else rng.choice([Format.ONLINE, Format.ONLINE, Format.SOFTWARE]),
        opening_balance=opening,
        income_total=income,
        expense_total=expense,
        closing_balance=closing,
        bank_balance=bank,
        pending_amount=pending,
        approval_date=approval,
        verifier1_name=rng.choice(["Paul Martin", "Nadia Belkacem", "Luc Morel", "Anne Petit"]),
        verifier1_quality="enseignant",
        verifier2_name=rng.choice(["Léa Bernard", "Karim Haddad", "Sophie Leroy", "Jean Roux"]),
        verifier2_quality="parent d'élève",
        quitus=quitus,
        quitus_date=approval if quitus else None,
        created_by_id=secretariat.pk if paper and secretariat else user_id,
        submitted_by_id=(secretariat.pk if paper and secretariat else user_id)
        if received_on
        else None,
        submitted_at=timezone.make_aware(datetime.datetime.combine(received_on, datetime.time(10)))
        if received_on
        else None,
        decided_by_id=secretariat.pk
        if secretariat and status in (Status.ACCEPTED, Status.TO_CORRECT)
        else None,
        correction_reason="Le relevé bancaire joint n'est pas celui du 31 août."
        if status == Status.TO_CORRECT
        else "",
    )
    if received_on and crfs.decided_by_id:
        crfs.decided_at = crfs.submitted_at + rng.randint(2, 20) * DAY
    # Amounts by category: municipal subsidy for 40 % of coops, the rest spread.
    chosen = rng.sample([c for c in income_cats if c != municipal], 3)
    if rng.random() < 0.4:
        chosen.append(municipal)
    lines = list(zip(chosen, _split(rng, income, len(chosen)), strict=True))
    if expense:
        spent = rng.sample(expense_cats, 4)
        lines += list(zip(spent, _split(rng, expense, len(spent)), strict=True))
    return crfs, [(category, amount) for category, amount in lines if amount > 0]


def _controls(rng, year, flagged, board) -> int:
    today = timezone.localdate()
    opened_from = due_date(year) + 15 * DAY
    count = 0
    for reason, number in CONTROLS.items():
        for index, coop in enumerate(flagged[reason][:number]):
            stage = STAGES[(count + index) % len(STAGES)]
            opened = min(today, opened_from + rng.randint(0, 30) * DAY)
            control = Control(
                cooperative_id=coop,
                school_year=year,
                status=stage,
                opened_on=opened,
                created_by=board[0],
                **{REASON_FIELDS[reason]: True},
            )
            if stage != Control.Status.OPEN:
                control.visit_on = opened + rng.randint(7, 30) * DAY
            if stage in (Control.Status.FINDINGS, Control.Status.CLOSED):
                control.findings = FINDINGS[reason]
                for name in ("check_ledger", "check_vouchers", "check_statements"):
                    setattr(control, name, True)
                control.letter_sent_at = timezone.make_aware(
                    datetime.datetime.combine(
                        min(today, control.visit_on + 5 * DAY), datetime.time(9)
                    )
                )
            if stage == Control.Status.CLOSED:
                control.outcome = rng.choice(
                    [Control.Outcome.COMPLIANT, Control.Outcome.RECOMMENDATIONS]
                )
                control.closed_on = max(opened, min(today, control.visit_on + 30 * DAY))
            control.save()
            control.assigned.set(board[: 1 + (index % min(2, len(board)))])
            if control.findings:
                ControlAction.objects.create(
                    control=control,
                    description="Tenir le cahier de comptabilité et faire le rapprochement "
                    "bancaire chaque mois",
                    due_date=control.visit_on + 60 * DAY,
                    status=ControlAction.Status.DONE
                    if stage == Control.Status.CLOSED
                    else ControlAction.Status.TODO,
                )
            count += 1
    return count
