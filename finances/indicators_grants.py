"""Grants figures of the annual report (`Indicateurs` keys), one function per figure.

The year of a decision is the school year of its commission's date; an amount « versé » is
the sum of the payments dated in the school year (the seed report: "63 dossiers retenus –
13 003 € versé en AAP et 9 577,98 € versé en solidarité"). Trousse à projets pay-backs count in
the year they were paid back; insurance claims in the year of the event; municipal subsidies
in their school year, from two sources: typed in by the secretariat (« saisie ») and the
commune subsidies category of the year's accepted CRFS (« CRFS »), a coop counted once
(models/grants.py, DOUBLE_COUNT_RULE: its accepted CRFS counts, else what was typed). A
cancelled payment counts nowhere. Each function returns None when nothing is recorded for
the year, and runs one aggregate query (the subsidies: two).
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from occe.core.indicators import Unit, indicator, shared
from occe.core.models import SchoolYear

from .models import (
    GrantApplication,
    GrantKind,
    GrantPayment,
    GrantSession,
    InsuranceClaim,
    MunicipalSubsidy,
    TroussePayback,
)
from .models.grants import crfs_municipal_subsidies

SECTION = "aides_et_solidarite"
Status = GrantApplication.Status


def _span(year: SchoolYear) -> tuple:
    return (year.start_date, year.end_date)


@shared
def has_sessions(year: SchoolYear) -> bool:
    return GrantSession.objects.of_year(year).exists()


@shared
def applications_per_kind(year: SchoolYear) -> dict[str, dict] | None:
    """{kind: {received, granted, refused, granted_amount}} for the sessions of the year."""
    if not has_sessions(year):
        return None
    rows = (
        GrantApplication.objects.filter(session__date__range=_span(year))
        .exclude(status=Status.DRAFT)
        .values("kind")
        .annotate(
            received=Count("pk"),
            granted=Count("pk", filter=Q(status=Status.GRANTED)),
            refused=Count("pk", filter=Q(status=Status.REFUSED)),
            granted_amount=Sum("granted_amount", filter=Q(status=Status.GRANTED)),
        )
    )
    result = {
        kind: {"received": 0, "granted": 0, "refused": 0, "granted_amount": Decimal("0")}
        for kind in GrantKind.values
    }
    for row in rows:
        result[row["kind"]] = {
            "received": row["received"],
            "granted": row["granted"],
            "refused": row["refused"],
            "granted_amount": row["granted_amount"] or Decimal("0"),
        }
    return result


@shared
def paid_per_kind(year: SchoolYear) -> dict[str, Decimal] | None:
    rows = dict(
        GrantPayment.objects.valid()
        .filter(date__range=_span(year))
        .values_list("application__kind")
        .annotate(total=Sum("amount"))
    )
    if not rows and not has_sessions(year):
        return None
    return {kind: rows.get(kind, Decimal("0")) for kind in GrantKind.values}


@indicator(
    "aap.dossiers_retenus",
    "Dossiers d'aide retenus par la commission (AAP et solidarité)",
    section=SECTION,
)
def granted_count(year: SchoolYear) -> int | None:
    figures = applications_per_kind(year)
    if figures is None:
        return None
    return sum(kind["granted"] for kind in figures.values())


@indicator(
    "aap.montant", "Montant versé en aides à projets (AAP)", section=SECTION, unit=Unit.AMOUNT
)
def aap_paid(year: SchoolYear) -> Decimal | None:
    paid = paid_per_kind(year)
    return None if paid is None else paid[GrantKind.AAP]


@indicator("solidarite.montant", "Montant versé en solidarité", section=SECTION, unit=Unit.AMOUNT)
def solidarity_paid(year: SchoolYear) -> Decimal | None:
    paid = paid_per_kind(year)
    return None if paid is None else paid[GrantKind.SOLIDARITE]


@shared
def trousse_totals(year: SchoolYear) -> dict | None:
    totals = TroussePayback.objects.filter(date__range=_span(year)).aggregate(
        projects=Count("pk"), collected=Sum("collected"), paid_back=Sum("paid_back")
    )
    return totals if totals["projects"] else None


@indicator(
    "trousse.reversements.projets",
    "Projets de la Trousse à projets reversés aux coopératives",
    section=SECTION,
)
def trousse_projects(year: SchoolYear) -> int | None:
    totals = trousse_totals(year)
    return None if totals is None else totals["projects"]


@indicator(
    "trousse.reversements.montant",
    "Montant de la Trousse à projets reversé aux coopératives",
    section=SECTION,
    unit=Unit.AMOUNT,
)
def trousse_paid_back(year: SchoolYear) -> Decimal | None:
    totals = trousse_totals(year)
    return None if totals is None else totals["paid_back"]


@indicator("accompagnement.sinistres", "Dossiers de sinistre (assurance MAE)", section=SECTION)
def claims(year: SchoolYear) -> int | None:
    count = InsuranceClaim.objects.filter(event_date__range=_span(year)).count()
    return count or None


@shared
def subsidies(year: SchoolYear) -> dict | None:
    """The year's municipal subsidies, both sources, each coop counted once: amount, coops,
    and the part of each source (typed_amount, typed_coops, crfs_amount, crfs_coops,
    set_aside: typed in but not counted, the coop's CRFS counting), as `subsidies_of_year`
    counts them, in two queries of plain values (no row of the page's list is built)."""
    from_crfs = crfs_municipal_subsidies(year)
    typed = MunicipalSubsidy.objects.filter(school_year=year).values_list("cooperative", "amount")
    counted, set_aside = {}, Decimal("0")
    for cooperative, amount in typed:  # DOUBLE_COUNT_RULE: the coop's accepted CRFS counts
        if cooperative in from_crfs:
            set_aside += amount
        else:
            counted[cooperative] = counted.get(cooperative, Decimal("0")) + amount
    if not from_crfs and not counted and not set_aside:
        return None
    typed_amount = sum(counted.values(), Decimal("0"))
    crfs_amount = sum(from_crfs.values(), Decimal("0"))
    return {
        "amount": typed_amount + crfs_amount,
        "coops": len(counted) + len(from_crfs),
        "typed_amount": typed_amount,
        "typed_coops": len(counted),
        "crfs_amount": crfs_amount,
        "crfs_coops": len(from_crfs),
        "set_aside": set_aside,
    }


@indicator(
    "subventions.communes.montant",
    "Subventions communales versées aux coopératives (saisies et CRFS acceptés)",
    section=SECTION,
    unit=Unit.AMOUNT,
)
def subsidies_amount(year: SchoolYear) -> Decimal | None:
    totals = subsidies(year)
    return None if totals is None else totals["amount"]


def figure_rows(year: SchoolYear) -> list[tuple[str, str, object]]:
    """[(key, label, value)] for the figures page and its export: the report's indicators,
    then the details per kind."""
    rows = [
        ("aap.dossiers_retenus", "Dossiers retenus (AAP et solidarité)", granted_count(year)),
        ("aap.montant", "Versé en AAP", aap_paid(year)),
        ("solidarite.montant", "Versé en solidarité", solidarity_paid(year)),
        (
            "trousse.reversements.projets",
            "Projets Trousse à projets reversés",
            trousse_projects(year),
        ),
        (
            "trousse.reversements.montant",
            "Montant reversé (Trousse à projets)",
            trousse_paid_back(year),
        ),
        ("accompagnement.sinistres", "Sinistres déclarés", claims(year)),
        (
            "subventions.communes.montant",
            "Subventions communales (saisie et CRFS, chaque coopérative comptée une fois)",
            subsidies_amount(year),
        ),
    ]
    trousse = trousse_totals(year)
    rows.append(
        ("", "Montant collecté sur la Trousse à projets", trousse["collected"] if trousse else None)
    )
    subsidy = subsidies(year)
    for field, label in (
        ("coops", "Coopératives subventionnées par leur commune"),
        ("typed_amount", "Subventions communales — source « saisie »"),
        ("typed_coops", "Coopératives — source « saisie »"),
        ("crfs_amount", "Subventions communales — source « CRFS »"),
        ("crfs_coops", "Coopératives — source « CRFS »"),
        ("set_aside", "Saisies non comptées (le CRFS de la coopérative compte)"),
    ):
        rows.append(("", label, subsidy[field] if subsidy else None))
    per_kind = applications_per_kind(year) or {}
    for kind, label in GrantKind.choices:
        figures = per_kind.get(kind)
        for field, what in (
            ("received", "demandes reçues"),
            ("granted", "demandes accordées"),
            ("refused", "demandes refusées"),
            ("granted_amount", "montant accordé"),
        ):
            rows.append(("", f"{label} : {what}", figures[field] if figures else None))
    return rows
