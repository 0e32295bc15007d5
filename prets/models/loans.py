"""Reservations of a copy by a cooperative, and the loan they become (hand-over, return)."""

import datetime

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from cooperatives.models import Cooperative, Mandate
from occe.accounts import rules

from ..constraints import DateRange, PostgresExclusionConstraint
from .resources import Condition, Copy, Resource
from .scope import CoopScopedQuerySet

REMINDER_INTERVAL_DAYS = 7


class Status(models.TextChoices):
    REQUESTED = "demandee", "Demandée"
    CONFIRMED = "confirmee", "Confirmée"
    HANDED_OVER = "remise", "Remise"
    RETURNED = "rendue", "Rendue"
    CLOSED = "cloturee", "Clôturée"
    CANCELLED = "annulee", "Annulée"
    REFUSED = "refusee", "Refusée"


# A cancelled or refused reservation frees its copy; every other one holds it for its period.
RELEASED = [Status.CANCELLED, Status.REFUSED]


class ReservationQuerySet(CoopScopedQuerySet):
    def editable_by(self, user) -> "ReservationQuerySet":
        """Mirrors `Reservation.can_be_edited_by`: every reservation for the staff."""
        return self if rules.is_staff_member(user) else self.none()

    def holding(self) -> "ReservationQuerySet":
        """Reservations that hold their copy for their period (checking delay included)."""
        return self.exclude(status__in=RELEASED)

    def overlapping(self, start: datetime.date, until: datetime.date) -> "ReservationQuerySet":
        """Holding reservations whose period [start_date, available_again_on) meets
        [start, until)."""
        return self.holding().filter(start_date__lt=until, available_again_on__gt=start)

    def awaiting_confirmation(self) -> "ReservationQuerySet":
        return self.filter(status=Status.REQUESTED)

    def handovers_due(self, today: datetime.date) -> "ReservationQuerySet":
        """Confirmed loans that should have left by today (late ones included)."""
        return self.filter(status=Status.CONFIRMED, start_date__lte=today)

    def returns_due(self, today: datetime.date) -> "ReservationQuerySet":
        return self.filter(status=Status.HANDED_OVER, end_date=today)

    def overdue(self, today: datetime.date) -> "ReservationQuerySet":
        """Loans still out after their end date."""
        return self.filter(status=Status.HANDED_OVER, end_date__lt=today)

    def in_progress(self) -> "ReservationQuerySet":
        return self.filter(status__in=[Status.REQUESTED, Status.CONFIRMED, Status.HANDED_OVER])


class Reservation(models.Model):
    """A coop's reservation of one copy, from `start_date` to `end_date` (both included).

    The copy is held until `available_again_on` (excluded): the end date plus the resource's
    checking delay, frozen at booking so a later change of the rule never creates an overlap
    (brought forward when the copy comes back early).
    """

    Status = Status

    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, related_name="reservations", verbose_name="ressource"
    )
    copy = models.ForeignKey(
        Copy, on_delete=models.PROTECT, related_name="reservations", verbose_name="exemplaire"
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name="coopérative",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name="demandée par",
    )
    start_date = models.DateField("du")
    end_date = models.DateField("au")
    available_again_on = models.DateField("de nouveau disponible le")
    note = models.TextField("message", blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    created_at = models.DateTimeField("demandée le", default=timezone.now)
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reason = models.TextField("motif", blank=True)
    handed_over_on = models.DateField("remise le", null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    handover_condition = models.CharField(
        "état à la remise", max_length=15, choices=Condition.choices, blank=True
    )
    contents_checked = models.BooleanField("contenu vérifié à la remise", default=False)
    handover_notes = models.TextField("remarques à la remise", blank=True)
    returned_on = models.DateField("rendue le", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    return_condition = models.CharField(
        "état au retour", max_length=15, choices=Condition.choices, blank=True
    )
    return_notes = models.TextField("remarques au retour", blank=True)
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        verbose_name = "réservation"
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["copy", "start_date"]), models.Index(fields=["status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="reservation_end_after_start",
                violation_error_message="La fin du prêt précède son début.",
            ),
            # Usually the end date plus the checking delay; earlier when the copy came back
            # early (see services.take_back), never empty.
            models.CheckConstraint(
                condition=Q(available_again_on__gt=F("start_date")),
                name="reservation_hold_not_empty",
                violation_error_message="L'exemplaire ne peut repartir qu'après le début du prêt.",
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("handed_over_on")),
                name="reservation_returned_after_handover",
                violation_error_message="Le retour précède la remise.",
            ),
            # No double booking, ever: PostgreSQL refuses two holding reservations of one copy
            # whose periods overlap (btree_gist for the equality on copy).
            PostgresExclusionConstraint(
                name="reservation_no_double_booking",
                expressions=[
                    (DateRange("start_date", "available_again_on"), RangeOperators.OVERLAPS),
                    ("copy", RangeOperators.EQUAL),
                ],
                condition=~Q(status__in=RELEASED),
                violation_error_message="Cet exemplaire est déjà réservé sur cette période.",
            ),
        ]

    def __str__(self):
        return f"Réservation n° {self.pk} — {self.resource}"

    def get_absolute_url(self) -> str:
        return reverse("prets:reservation_detail", args=[self.pk])

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def is_holding(self) -> bool:
        return self.status not in RELEASED

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == Status.HANDED_OVER and self.end_date < today

    def days_late(self, today: datetime.date | None = None) -> int:
        today = today or timezone.localdate()
        return max(0, (today - self.end_date).days)

    def reminder_number(self, today: datetime.date) -> int:
        """Which reminder is due today: the 1st the day after the end date, the 2nd seven days
        later, and so on (0 before the end date has passed)."""
        late = (today - self.end_date).days
        return 0 if late < 1 else (late - 1) // REMINDER_INTERVAL_DAYS + 1

    def can_be_edited_by(self, user) -> bool:
        """Who takes the loan's steps (confirm, refuse, hand over, take back, close): the
        staff. Whether the step fits the status is the service's question, with its message."""
        return rules.is_staff_member(user)

    def can_be_cancelled_by(self, user) -> bool:
        if self.status not in (Status.REQUESTED, Status.CONFIRMED):
            return False
        return user.is_staff_member or (
            user.is_mandataire and self.cooperative.has_mandataire(user)
        )

    def borrower_emails(self) -> list[str]:
        """Who hears about this loan: the coop's current mandataires, and whoever asked when
        it was not the association's staff."""
        emails = list(
            Mandate.objects.current()
            .filter(cooperative_id=self.cooperative_id)
            .values_list("user__email", flat=True)
        )
        if not self.requested_by.is_staff_member:
            emails.insert(0, self.requested_by.email)
        return list(dict.fromkeys(email for email in emails if email))


class OverdueReminder(models.Model):
    """A reminder e-mailed for an overdue loan; one row per reminder number, so none is ever
    sent twice (the unique constraint holds even if the daily task runs twice at once)."""

    reservation = models.ForeignKey(
        Reservation, on_delete=models.PROTECT, related_name="reminders", verbose_name="prêt"
    )
    number = models.PositiveSmallIntegerField("relance n°")
    sent_on = models.DateField("envoyée le")
    recipients = models.TextField("destinataires")

    class Meta:
        verbose_name = "relance de retard"
        ordering = ["reservation", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservation", "number"], name="one_reminder_per_number"
            )
        ]

    def __str__(self):
        return f"Relance {self.number} du {self.sent_on}"
