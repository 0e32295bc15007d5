"""Demo grants (`manage.py demo_data`), after the department exists.

For the PREVIOUS school year (the one the seed report describes, OCCE 92): two AAP sessions
(November, March) and two solidarity sessions, whose granted applications give the report's
"63 dossiers retenus – 13 003 € versé en AAP et 9 577,98 € versé en solidarité" (every grant
paid within the year, a few in two parts), with some refusals; "26 projets soit un total de
36 572,45 € reversé aux coopératives scolaires" of the Trousse à projets; 21 insurance claims;
municipal subsidies. Counts and amounts follow the department's size (`context.scaled`).

This year: an AAP session in review (applications with administrators' opinions) and one open
to applications, where the demo mandataire has a draft; a few claims.
"""

import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from cooperatives.models import Affiliation, Mandate
from occe.accounts.models import Role, User
from occe.core.demo import DOMAIN
from occe.core.demo_apps import DemoContext
from occe.core.models import SchoolYear

from .models import (
    BudgetLine,
    GrantApplication,
    GrantKind,
    GrantOpinion,
    GrantPayment,
    GrantSession,
    InsuranceClaim,
    MunicipalSubsidy,
    TroussePayback,
)

DAY = datetime.timedelta(days=1)
CENT = Decimal("0.01")
# The seed report's figures (department scale).
AAP_GRANTED, AAP_PAID = 50, Decimal("13003")
SOLIDARITY_GRANTED, SOLIDARITY_PAID = 13, Decimal("9577.98")
TROUSSE_PROJECTS, TROUSSE_PAID_BACK = 26, Decimal("36572.45")
CLAIMS = 21

PROJECTS = [
    "Classe découverte à la mer",
    "Potager de l'école",
    "Spectacle de fin d'année",
    "Journal de l'école",
    "Sortie au musée d'Orsay",
    "Chorale inter-écoles",
    "Jardin pédagogique",
    "Rencontre sportive coopérative",
    "Court métrage de la classe",
    "Poulailler de la cour",
    "Bibliothèque de classe",
    "Conseil coopératif : jeux de cour",
]
SITUATIONS = [
    "Cambriolage de l'école : la caisse de la kermesse a été volée.",
    "Dégât des eaux dans la salle de classe, matériel à remplacer.",
    "Coopérative déficitaire après une sortie annulée (transport payé).",
    "Peu de familles cotisent : la coopérative ne peut plus financer les sorties.",
]


def split(total: Decimal, count: int, rng) -> list[Decimal]:
    """`count` amounts of unequal size (whole euros but the last) adding up to `total`."""
    if count <= 0:
        return []
    weights = [rng.uniform(0.5, 1.5) for _ in range(count)]
    scale = total / Decimal(str(sum(weights)))
    amounts = [(Decimal(str(w)) * scale).quantize(Decimal("1")) for w in weights[:-1]]
    amounts.append((total - sum(amounts)).quantize(CENT))
    return amounts


def scaled_amount(total: Decimal, context: DemoContext) -> Decimal:
    return (total * Decimal(str(context.ratio))).quantize(CENT)


def _applicants(year: SchoolYear) -> list[tuple[int, int | None]]:
    """[(coop id, mandataire id)] of the coops affiliated that year."""
    coops = list(
        Affiliation.objects.filter(school_year=year, status=Affiliation.Status.VALIDATED)
        .order_by("cooperative_id")
        .values_list("cooperative_id", flat=True)
    )
    mandataires = dict(
        Mandate.objects.filter(cooperative_id__in=coops).values_list("cooperative_id", "user_id")
    )
    return [(coop, mandataires.get(coop)) for coop in coops]


def _application(session, coop, user, rng, amount_asked, status, **fields) -> GrantApplication:
    return GrantApplication(
        session=session,
        cooperative_id=coop,
        requested_by_id=user,
        kind=session.kind,
        title=rng.choice(PROJECTS) if session.kind == "aap" else "Aide de solidarité",
        description="Projet coopératif mené par les élèves, décidé en conseil de coopérative.",
        classes=rng.randint(1, 4),
        pupils=rng.randint(20, 100),
        amount_requested=amount_asked,
        situation=rng.choice(SITUATIONS) if session.kind == "solidarite" else "",
        current_balance=Decimal(rng.randint(0, 300)) if session.kind == "solidarite" else None,
        status=status,
        **fields,
    )


def _budget(applications, rng) -> list[BudgetLine]:
    lines = []
    for a in applications:
        own = Decimal(rng.randint(50, 400))
        lines += [
            BudgetLine(application=a, side="depense", label="Transport et entrées", amount=own),
            BudgetLine(application=a, side="depense", label="Matériel", amount=a.amount_requested),
            BudgetLine(application=a, side="recette", label="Fonds propres", amount=own),
        ]
    return lines


def _previous_year(context, rng, previous, applicants, secretariat, admins) -> dict:
    start = previous.start_date
    sessions = [
        ("aap", "Commission AAP de novembre", start + 75 * DAY, 10),
        ("aap", "Commission AAP de mars", start + 190 * DAY, 10),
        ("solidarite", "Fonds de solidarité — 1er semestre", start + 100 * DAY, 7),
        ("solidarite", "Fonds de solidarité — 2e semestre", start + 250 * DAY, 7),
    ]
    created = {}
    for kind, title, date, weeks in sessions:
        created[title] = GrantSession.objects.create(
            kind=kind,
            title=title,
            date=date,
            deadline=date - weeks * 7 * DAY,
            envelope=scaled_amount(Decimal("8000") if kind == "aap" else Decimal("6000"), context),
            status=GrantSession.Status.CLOSED,
            created_at=timezone.make_aware(
                datetime.datetime.combine(date - 60 * DAY, datetime.time(9))
            ),
        )
    plan = [
        ("aap", context.scaled(AAP_GRANTED, 2), scaled_amount(AAP_PAID, context)),
        (
            "solidarite",
            context.scaled(SOLIDARITY_GRANTED, 1),
            scaled_amount(SOLIDARITY_PAID, context),
        ),
    ]
    applications, payments, granted_count = [], [], 0
    for kind, count, total in plan:
        kind_sessions = [s for s in created.values() if s.kind == kind]
        for index, amount in enumerate(split(total, count, rng)):
            session = kind_sessions[index % 2]
            coop, user = applicants[(index * 7 + (kind == "solidarite") * 3) % len(applicants)]
            decided = timezone.make_aware(
                datetime.datetime.combine(session.date, datetime.time(18))
            )
            asked = amount + Decimal(rng.choice([0, 0, 0, 50, 100]))
            application = _application(
                session,
                coop,
                user or secretariat.pk,
                rng,
                asked,
                GrantApplication.Status.GRANTED,
                submitted_at=decided - 30 * DAY,
                engaged_at=decided - 30 * DAY,
                granted_amount=amount,
                paid_amount=amount,
                decision_note="" if asked == amount else "Montant réduit : enveloppe limitée.",
                decided_at=decided,
                decided_by=rng.choice(admins) if admins else None,
                letter_sent_at=decided + DAY,
                report_text="Projet mené à son terme ; photos au conseil de coopérative."
                if index % 9
                else "",
                report_expenses=asked + 50 if index % 9 else None,
                report_submitted_at=decided + 120 * DAY if index % 9 else None,
                created_at=decided - 40 * DAY,
            )
            applications.append(application)
            granted_count += 1
            paid_on = min(session.date + 21 * DAY, previous.end_date)
            # One grant in four paid in two parts.
            parts = [amount] if index % 4 or amount < 2 else [amount - amount // 2, amount // 2]
            for part_index, part in enumerate(parts):
                payments.append(
                    (
                        application,
                        GrantPayment(
                            date=min(paid_on + part_index * 30 * DAY, previous.end_date),
                            amount=part,
                            reference=f"VIR-{previous.start_year}-{kind[:3].upper()}-"
                            f"{index + 1:03d}-{part_index + 1}",
                            recorded_by=secretariat,
                        ),
                    )
                )
        # A few refusals per kind.
        for index in range(context.scaled(6 if kind == "aap" else 2, 1)):
            session = kind_sessions[index % 2]
            coop, user = applicants[(index * 11 + 5) % len(applicants)]
            decided = timezone.make_aware(
                datetime.datetime.combine(session.date, datetime.time(18))
            )
            applications.append(
                _application(
                    session,
                    coop,
                    user or secretariat.pk,
                    rng,
                    Decimal(rng.randint(200, 900)),
                    GrantApplication.Status.REFUSED,
                    submitted_at=decided - 30 * DAY,
                    engaged_at=decided - 30 * DAY,
                    decision_note="Projet hors des critères de l'aide (voyage sans dimension "
                    "coopérative).",
                    decided_at=decided,
                    letter_sent_at=decided + DAY,
                    created_at=decided - 40 * DAY,
                )
            )
    GrantApplication.objects.bulk_create(applications)
    BudgetLine.objects.bulk_create(_budget(applications, rng))
    for application, payment in payments:
        payment.application = application
    GrantPayment.objects.bulk_create([payment for _, payment in payments])
    _corrections(secretariat, [payment for _, payment in payments])
    return {"granted": granted_count, "payments": len(payments)}


def _corrections(secretariat, payments) -> None:
    """The first payment of each kind was first typed with a wrong amount: that one is
    cancelled (who, when, why) and the right one corrects it. The figures do not change."""
    for kind in GrantKind.values:
        right = next((p for p in payments if p.application.kind == kind), None)
        if right is None or right.amount < Decimal("0.10"):
            continue
        recorded = timezone.make_aware(datetime.datetime.combine(right.date, datetime.time(10)))
        wrong = GrantPayment.objects.create(
            application=right.application,
            date=right.date,
            amount=(right.amount / 10).quantize(CENT),
            reference=right.reference,
            recorded_by=secretariat,
            recorded_at=recorded,
            cancelled_at=recorded + datetime.timedelta(hours=2),
            cancelled_by=secretariat,
            cancel_reason="Montant mal saisi (un zéro oublié).",
        )
        GrantPayment.objects.filter(pk=right.pk).update(corrects=wrong)


def _current_year(rng, current, applicants, secretariat, admins, mandataire) -> int:
    today = timezone.localdate()
    review = GrantSession.objects.create(
        kind="aap",
        title=f"Commission AAP {current.label} — première session",
        date=max(today + 3 * DAY, current.start_date + 10 * DAY),
        deadline=today - 7 * DAY,
        envelope=Decimal("6000"),
        status=GrantSession.Status.REVIEW,
    )
    open_session = GrantSession.objects.create(
        kind="aap",
        title=f"Commission AAP {current.label} — seconde session",
        date=today + 90 * DAY,
        deadline=today + 60 * DAY,
        envelope=Decimal("6000"),
    )
    applications = []
    for index, (coop, user) in enumerate(applicants[: min(8, len(applicants))]):
        applications.append(
            _application(
                review,
                coop,
                user or secretariat.pk,
                rng,
                Decimal(rng.randint(150, 800)),
                GrantApplication.Status.REVIEW,
                submitted_at=timezone.now() - (10 + index) * DAY,
                engaged_at=timezone.now() - (10 + index) * DAY,
            )
        )
    if mandataire is not None:
        coop = mandataire.mandates.values_list("cooperative_id", flat=True).first()
        if coop:
            applications.append(
                _application(
                    open_session,
                    coop,
                    mandataire.pk,
                    rng,
                    Decimal("350"),
                    GrantApplication.Status.DRAFT,
                )
            )
    GrantApplication.objects.bulk_create(applications)
    BudgetLine.objects.bulk_create(_budget(applications, rng))
    opinions = []
    for application in applications[:5]:
        for admin in admins:
            opinion = rng.choice(["favorable", "favorable", "partiel", "defavorable"])
            proposed = {
                "favorable": application.amount_requested,
                "partiel": (application.amount_requested / 2).quantize(Decimal("1")),
                "defavorable": Decimal("0"),
            }[opinion]
            opinions.append(
                GrantOpinion(
                    application=application,
                    administrator=admin,
                    opinion=opinion,
                    proposed_amount=proposed,
                )
            )
    GrantOpinion.objects.bulk_create(opinions)
    return len(applications)


def _trousse(context, rng, previous, applicants) -> None:
    count = context.scaled(TROUSSE_PROJECTS, 1)
    rows = []
    for index, amount in enumerate(split(scaled_amount(TROUSSE_PAID_BACK, context), count, rng)):
        fees = (amount * Decimal("0.04")).quantize(CENT)
        coop, _ = applicants[(index * 13 + 1) % len(applicants)]
        rows.append(
            TroussePayback(
                cooperative_id=coop,
                title=rng.choice(PROJECTS),
                collected=amount + fees,
                fees=fees,
                paid_back=amount,
                date=previous.start_date + (20 + index * 12) * DAY,
                reference=f"TAP-{previous.start_year}-{index + 1:03d}",
            )
        )
    TroussePayback.objects.bulk_create(rows)


def _claims(context, rng, year, applicants, count, today=None) -> None:
    natures = list(InsuranceClaim.Nature.values)
    last = min(year.end_date, today) if today else year.end_date
    span = max((last - year.start_date).days, 1)
    rows = []
    for index in range(count):
        coop, _ = applicants[(index * 17 + 2) % len(applicants)]
        status = rng.choice(
            ["indemnise", "indemnise", "refuse", "transmis"]
            if not today
            else ["declare", "transmis"]
        )
        claimed = Decimal(rng.randint(80, 1500))
        rows.append(
            InsuranceClaim(
                cooperative_id=coop,
                event_date=year.start_date + rng.randint(0, span) * DAY,
                nature=rng.choice(natures),
                description="Déclaré par le mandataire, dossier transmis à la MAE.",
                amount_claimed=claimed,
                status=status,
                amount_paid=(claimed * Decimal("0.8")).quantize(CENT)
                if status == "indemnise"
                else None,
            )
        )
    InsuranceClaim.objects.bulk_create(rows)


def _subsidies(context, rng, previous, applicants) -> None:
    from cooperatives.models import Cooperative

    coops = dict(
        Cooperative.objects.filter(pk__in=[c for c, _ in applicants]).values_list("pk", "commune")
    )
    rows = []
    for index in range(context.scaled(40, 1)):
        coop, _ = applicants[(index * 5 + 4) % len(applicants)]
        rows.append(
            MunicipalSubsidy(
                cooperative_id=coop,
                commune=coops.get(coop, ""),
                school_year=previous,
                amount=Decimal(rng.randint(2, 30) * 50),
                purpose="Classe de découverte"
                if index % 3 == 0
                else "Fonctionnement de la coopérative",
            )
        )
    MunicipalSubsidy.objects.bulk_create(rows)


def populate(context: DemoContext) -> str:
    rng = context.rng("finances.grants")
    current = SchoolYear.objects.current()
    previous = current.previous()
    secretariat = User.objects.filter(role=Role.SECRETARIAT).order_by("pk").first()
    admins = list(User.objects.filter(role=Role.ADMINISTRATEUR).order_by("pk"))
    applicants = _applicants(previous)
    if not applicants or secretariat is None:
        return "Aides : pas de coopérative affiliée l'an dernier, rien n'est créé."
    figures = _previous_year(context, rng, previous, applicants, secretariat, admins)
    now_applicants = _applicants(current) or applicants
    mandataire = User.objects.filter(email=f"mandataire@{DOMAIN}").first()
    if mandataire is not None:
        # The demo mandataire can apply right away: their coop's bilans are all in.
        GrantApplication.objects.missing_report().filter(
            cooperative__mandates__user=mandataire
        ).update(
            report_text="Projet mené à son terme.",
            report_expenses=F("granted_amount"),
            report_submitted_at=timezone.now(),
        )
    pending = _current_year(rng, current, now_applicants, secretariat, admins, mandataire)
    _trousse(context, rng, previous, applicants)
    _claims(context, rng, previous, applicants, context.scaled(CLAIMS, 1))
    _claims(context, rng, current, now_applicants, context.scaled(4, 1), today=timezone.localdate())
    _subsidies(context, rng, previous, applicants)
    return (
        f"Aides : {figures['granted']} dossiers retenus en {previous} "
        f"({figures['payments']} versements), {pending} demandes en cours, "
        f"{context.scaled(TROUSSE_PROJECTS, 1)} reversements Trousse à projets, "
        f"{context.scaled(CLAIMS, 1)} sinistres."
    )
