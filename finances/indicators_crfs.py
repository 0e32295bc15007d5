"""CRFS and controls figures of the annual report (`Indicateurs` keys), one function per figure.

- crfs.attendus: coops affiliated that year (each owes a CRFS);
- crfs.recus / crfs.acceptes: CRFS received (sent, under correction, accepted) / accepted;
- crfs.en_retard: expected coops whose CRFS was not received by the due date (received after
  it, or still missing); None until the due date has passed;
- crfs.signalements.<motif>: received CRFS raising each flag (thresholds of the settings);
- controles.total, controles.motif.<motif>: the board's controls of the year's accounts, by
  reason (a control with two reasons counts in both).
Each returns None when no CRFS (or no control) of the year is recorded.
"""

from django.utils import timezone

from occe.core.indicators import indicator
from occe.core.models import SchoolYear

from .models.controls import Control
from .models.crfs import Crfs, Reason
from .services.crfs import campaign_figures

SECTION = "controles"


def _has_crfs(year: SchoolYear) -> bool:
    return Crfs.objects.of_year(year).exists()


def _has_controls(year: SchoolYear) -> bool:
    return Control.objects.of_year(year).exists()


@indicator("crfs.attendus", "Comptes rendus financiers attendus", section=SECTION)
def expected(year: SchoolYear) -> int | None:
    return campaign_figures(year)["expected"] if _has_crfs(year) else None


@indicator("crfs.recus", "Comptes rendus financiers reçus", section=SECTION)
def received(year: SchoolYear) -> int | None:
    return Crfs.objects.of_year(year).received().count() if _has_crfs(year) else None


@indicator("crfs.acceptes", "Comptes rendus financiers acceptés", section=SECTION)
def accepted(year: SchoolYear) -> int | None:
    return Crfs.objects.of_year(year).accepted().count() if _has_crfs(year) else None


@indicator("crfs.en_retard", "Comptes rendus financiers en retard", section=SECTION)
def late(year: SchoolYear) -> int | None:
    return campaign_figures(year, timezone.localdate())["late"] if _has_crfs(year) else None


def _flagged(reason: str):
    def figure(year: SchoolYear) -> int | None:
        if not _has_crfs(year):
            return None
        return Crfs.objects.of_year(year).flagged(reason).count()

    return figure


def _controls(reason: str):
    def figure(year: SchoolYear) -> int | None:
        if not _has_controls(year):
            return None
        return Control.objects.of_year(year).with_reason(reason).count()

    return figure


@indicator("controles.total", "Contrôles de coopératives", section=SECTION)
def controls_total(year: SchoolYear) -> int | None:
    return Control.objects.of_year(year).count() if _has_controls(year) else None


for _slug, _reason, _label in [
    ("papier", Reason.PAPER, "au format papier"),
    ("sans_quitus", Reason.NO_QUITUS, "sans quitus"),
    ("solde_eleve", Reason.HIGH_BALANCE, "présentant un solde bancaire élevé"),
    ("ecart_banque", Reason.BANK_GAP, "avec un écart entre comptabilité et banque"),
]:
    indicator(f"crfs.signalements.{_slug}", f"Comptes rendus signalés {_label}", section=SECTION)(
        _flagged(_reason)
    )
    indicator(f"controles.motif.{_slug}", f"Contrôles : compte rendu {_label}", section=SECTION)(
        _controls(_reason)
    )
