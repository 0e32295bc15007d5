"""Home cards of the CRFS and controls: work waiting for the secretariat (CRFS to examine, CRFS
not returned after the due date), for the board (their open controls, the overdue follow-ups of
those, the flags nobody examined yet), and a mandataire's CRFS to fill in and the control
letters they received. Each count is what the list it opens shows, through the same queryset
method or service; most cards appear only when there is something."""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from occe.accounts import rules
from occe.core.formats import date_fr
from occe.core.models import Association, SchoolYear
from occe.navigation import CoopSection, HomeCard

from .models import Control, ControlAction, Crfs
from .models.crfs import RECEIVED, CrfsReminder, Reason, due_date
from .services import crfs as services


def _url(name: str, **params) -> str:
    return f"{reverse(name)}?{urlencode(params)}" if params else reverse(name)


def crfs_home_cards(request) -> list[HomeCard]:
    user = request.user
    cards = []
    year = SchoolYear.objects.current().previous()
    if rules.is_secretariat(user):
        waiting = Crfs.objects.of_year(year).filter(status=Crfs.Status.SUBMITTED).count()
        if waiting:
            cards.append(
                HomeCard(
                    "Comptes rendus financiers à examiner",
                    waiting,
                    _url("finances:crfs_list", annee=year.label, etat="soumis"),
                    "Finances",
                    order=30,
                )
            )
        late = len(services.flagged_coops(year, Reason.NOT_RETURNED))
        if late:
            cards.append(
                HomeCard(
                    f"Comptes rendus financiers {year.label} en retard",
                    late,
                    _url("finances:crfs_flags", annee=year.label, motif=Reason.NOT_RETURNED),
                    "Finances",
                    hint="Coopératives affiliées sans compte rendu reçu après la date limite.",
                    order=29,
                )
            )
    if rules.is_board_member(user):
        cards += [
            HomeCard(
                "Contrôles qui me sont confiés",
                Control.objects.assigned_to(user).open().count(),
                _url("finances:control_list", a_moi=1, ouverts=1),
                "Finances",
                hint="Contrôles non clôturés.",
                order=31,
            ),
            HomeCard(
                "Actions de suivi en retard de mes contrôles",
                ControlAction.objects.overdue().of_controls_assigned_to(user).count(),
                _url("finances:control_overdue", a_moi=1),
                "Finances",
                order=32,
            ),
            HomeCard(
                f"Signalements {year.label} pas encore examinés",
                len(services.flagged_coops(year, unexamined=True)),
                _url("finances:crfs_flags", annee=year.label, sans_controle=1),
                "Finances",
                hint="Coopératives signalées sans contrôle ouvert.",
                order=33,
            ),
        ]
    if rules.is_mandataire(user):
        to_start = services.coops_to_start(user, year).count()
        if to_start:
            cards.append(
                HomeCard(
                    f"Comptes rendus financiers {year.label} à remplir",
                    to_start,
                    _url("finances:crfs_list", annee=year.label),
                    "Finances",
                    hint=f"À transmettre au plus tard le {date_fr(due_date(year))}.",
                    order=30,
                )
            )
        letters = Control.objects.visible_to(user).count()
        if letters:
            cards.append(
                HomeCard(
                    "Lettres de contrôle reçues",
                    letters,
                    reverse("finances:control_list"),
                    "Finances",
                    order=32,
                )
            )
    return cards


# The coop page's sections (occe.navigation.coop_sections): its CRFS of the last years, late or
# not and how many reminders each needed, and the board's controls of its accounts.
HISTORY_YEARS = 6
REPEATED_LATENESS = 2  # late this many years out of the last ones: highlighted


@dataclass
class CrfsYear:
    """One accounting year of a coop: its CRFS (if any), whether it was late, the reminders."""

    year: SchoolYear
    crfs: Crfs | None
    due: datetime.date
    late: bool
    reminders: int

    @property
    def received(self) -> bool:
        return self.crfs is not None and self.crfs.status in RECEIVED


def crfs_coop_sections(request, coop) -> list[CoopSection]:
    """Constant queries: the association, the years, the coop's affiliations, reports,
    reminders, and controls with their actions."""
    from cooperatives.models import Affiliation

    user = request.user
    if not rules.sees_cooperatives(user):
        return []
    association = Association.get()  # the due date, read once
    today = timezone.localdate()
    last_closed = (today.year if today.month >= 9 else today.year - 1) - 1
    years = list(
        SchoolYear.objects.filter(
            start_year__gt=last_closed - HISTORY_YEARS, start_year__lte=last_closed
        ).order_by("-start_year")
    )
    reports = {
        crfs.school_year_id: crfs
        for crfs in Crfs.objects.visible_to(user).filter(cooperative=coop, school_year__in=years)
    }
    expected = set(
        Affiliation.objects.filter(cooperative=coop, school_year__in=years)
        .validated()
        .values_list("school_year_id", flat=True)
    )
    reminders = dict(
        CrfsReminder.objects.filter(cooperative=coop, school_year__in=years)
        .values("school_year")
        .annotate(n=Count("pk"))
        .values_list("school_year", "n")
    )
    rows = []
    for year in years:
        crfs = reports.get(year.pk)
        if crfs is None and year.pk not in expected:
            continue  # not affiliated that year: no report expected
        due = due_date(year, association)
        received = crfs is not None and crfs.status in RECEIVED
        late = crfs.is_late(due, today) if received else today > due
        rows.append(CrfsYear(year, crfs, due, late, reminders.get(year.pk, 0)))
    late_years = sum(row.late for row in rows)
    own = user.is_mandataire and coop.has_mandataire(user)
    can_type_in = user.is_secretariat or own
    last_year = years[0] if years and years[0].start_year == last_closed else None
    sections = [
        CoopSection(
            "finances/crfs/includes/coop_crfs.html",
            {
                "rows": rows,
                "late_years": late_years,
                "repeated": late_years >= REPEATED_LATENESS,
                "to_type_in": last_year
                if last_year and can_type_in and last_year.pk not in reports
                else None,
            },
            order=30,
        )
    ]
    controls = list(
        Control.objects.visible_to(user)
        .filter(cooperative=coop)
        .select_related("school_year")
        .prefetch_related("actions")
    )
    if controls or user.sees_everything:
        sections.append(
            CoopSection(
                "finances/crfs/includes/coop_controls.html",
                {
                    "controls": controls,
                    "today": today,
                    "can_answer": own,
                    "can_open": user.is_board_member and last_year is not None,
                    "last_year": last_year,
                },
                order=31,
            )
        )
    return sections
