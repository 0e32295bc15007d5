"""CRFS and controls figures of the annual report (`Indicateurs` keys), one function per figure.

- crfs.attendus: coops affiliated that year (each owes a CRFS);
- crfs.recus / crfs.acceptes: CRFS received (sent, under correction, accepted) / accepted;
- crfs.en_retard: expected coops whose CRFS was not received by the due date (received after
  it, or still missing); None until the due date has passed;
- crfs.signalements.<motif>: received CRFS raising each flag (thresholds of the settings);
- controles.total, controles.motif.<motif>: the board's controls of the year's accounts, by
  reason (a control with two reasons counts in both).
Each returns None when no CRFS (or no control) of the year is recorded. The CRFS figures
share four queries a year, the controls' one.
"""

from django.db.models import Count, Q
from django.utils import timezone

from cooperatives.models import Cooperative
from occe.core.indicators import indicator, shared
from occe.core.models import Association, SchoolYear

from .models.controls import REASON_FIELDS, Control
from .models.crfs import CRFS_REASONS, RECEIVED, Crfs, Reason, Status, due_date, flag_conditions
from .services.crfs import late_coops

SECTION = "controles"


@shared
def crfs_figures(year: SchoolYear) -> dict | None:
    """The year's CRFS counted in one aggregate query (received, accepted, each flag), the
    expected and late coops in two more; None when no CRFS of the year is recorded."""
    association = Association.get()
    conditions = flag_conditions(association)
    received = Q(status__in=RECEIVED)
    figures = (
        Crfs.objects.of_year(year)
        .with_gap()
        .aggregate(
            total=Count("pk"),
            received=Count("pk", filter=received),
            accepted=Count("pk", filter=Q(status=Status.ACCEPTED)),
            **{
                f"flag_{reason}": Count("pk", filter=received & conditions[reason])
                for reason in CRFS_REASONS
            },
        )
    )
    if not figures["total"]:
        return None
    figures["expected"] = Cooperative.objects.affiliated(year).count()
    due = due_date(year, association)
    figures["late"] = late_coops(year, due).count() if timezone.localdate() > due else None
    return figures


@shared
def control_figures(year: SchoolYear) -> dict | None:
    """The year's controls and their reasons, one aggregate query; None without control."""
    figures = Control.objects.of_year(year).aggregate(
        total=Count("pk"),
        **{
            reason: Count("pk", filter=Q(**{field: True}))
            for reason, field in REASON_FIELDS.items()
        },
    )
    return figures if figures["total"] else None


def _crfs(name: str):
    def figure(year: SchoolYear) -> int | None:
        figures = crfs_figures(year)
        return None if figures is None else figures[name]

    return figure


def _controls(name: str):
    def figure(year: SchoolYear) -> int | None:
        figures = control_figures(year)
        return None if figures is None else figures[name]

    return figure


expected = indicator("crfs.attendus", "Comptes rendus financiers attendus", section=SECTION)(
    _crfs("expected")
)
received = indicator("crfs.recus", "Comptes rendus financiers reçus", section=SECTION)(
    _crfs("received")
)
accepted = indicator("crfs.acceptes", "Comptes rendus financiers acceptés", section=SECTION)(
    _crfs("accepted")
)
late = indicator("crfs.en_retard", "Comptes rendus financiers en retard", section=SECTION)(
    _crfs("late")
)
controls_total = indicator("controles.total", "Contrôles de coopératives", section=SECTION)(
    _controls("total")
)


for _slug, _reason, _label in [
    ("papier", Reason.PAPER, "au format papier"),
    ("sans_quitus", Reason.NO_QUITUS, "sans quitus"),
    ("solde_eleve", Reason.HIGH_BALANCE, "présentant un solde bancaire élevé"),
    ("ecart_banque", Reason.BANK_GAP, "avec un écart entre comptabilité et banque"),
]:
    indicator(f"crfs.signalements.{_slug}", f"Comptes rendus signalés {_label}", section=SECTION)(
        _crfs(f"flag_{_reason}")
    )
    indicator(f"controles.motif.{_slug}", f"Contrôles : compte rendu {_label}", section=SECTION)(
        _controls(_reason)
    )
