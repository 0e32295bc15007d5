"""The board's controls of a coop's accounts: opened from a flag of the CRFS (or on request),
run by 1 to 3 administrators, with a checklist, findings, an outcome and follow-up actions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cooperatives.models import Cooperative
from occe.core.models import SchoolYear, private_upload_path

from .crfs import Reason

MAX_ASSIGNED = 3

# The reasons a control records, one boolean each so the figures count them with one query.
REASON_FIELDS = {
    Reason.PAPER: "reason_paper",
    Reason.NO_QUITUS: "reason_no_quitus",
    Reason.HIGH_BALANCE: "reason_high_balance",
    Reason.BANK_GAP: "reason_bank_gap",
    Reason.NOT_RETURNED: "reason_not_returned",
    Reason.ON_REQUEST: "reason_on_request",
}

CHECKLIST = [
    ("check_ledger", "Cahier de comptabilité tenu"),
    ("check_vouchers", "Justificatifs"),
    ("check_statements", "Relevés bancaires"),
    ("check_inventory", "Inventaire"),
    ("check_minutes", "Procès-verbaux du conseil de coopérative"),
    ("check_reconciliation", "Rapprochement bancaire"),
]


class ControlStatus(models.TextChoices):
    OPEN = "ouvert", "Ouvert"
    VISIT_PLANNED = "visite", "Visite planifiée"
    FINDINGS = "constats", "Constats"
    CLOSED = "cloture", "Clôturé"


class Outcome(models.TextChoices):
    NONE = "", "—"
    COMPLIANT = "conforme", "Conforme"
    RECOMMENDATIONS = "recommandations", "Conforme avec recommandations"
    NON_COMPLIANT = "non_conforme", "Non conforme"


class ControlQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ControlQuerySet":
        """Staff and board read every control; a mandataire their coops' ones once the letter
        is sent."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        if user.is_mandataire:
            return self.filter(
                cooperative__in=Cooperative.objects.visible_to(user),
                letter_sent_at__isnull=False,
            )
        return self.none()

    def of_year(self, year: SchoolYear) -> "ControlQuerySet":
        return self.filter(school_year=year)

    def with_reason(self, reason: str) -> "ControlQuerySet":
        return self.filter(**{REASON_FIELDS[reason]: True})

    def assigned_to(self, user) -> "ControlQuerySet":
        return self.filter(assigned=user)

    def open(self) -> "ControlQuerySet":
        """Not closed yet (open, visit planned, findings written)."""
        return self.exclude(status=ControlStatus.CLOSED)


class Control(models.Model):
    Status = ControlStatus
    Outcome = Outcome

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="controls", verbose_name="coopérative"
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="exercice contrôlé"
    )
    reason_paper = models.BooleanField(Reason.PAPER.label, default=False)
    reason_no_quitus = models.BooleanField(Reason.NO_QUITUS.label, default=False)
    reason_high_balance = models.BooleanField(Reason.HIGH_BALANCE.label, default=False)
    reason_bank_gap = models.BooleanField(Reason.BANK_GAP.label, default=False)
    reason_not_returned = models.BooleanField(Reason.NOT_RETURNED.label, default=False)
    reason_on_request = models.BooleanField(Reason.ON_REQUEST.label, default=False)
    note = models.TextField("note (motif sur demande)", blank=True)
    assigned = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="controls", verbose_name="administrateurs"
    )
    status = models.CharField(
        "état", max_length=10, choices=ControlStatus.choices, default=ControlStatus.OPEN
    )
    opened_on = models.DateField("ouvert le", default=timezone.localdate)
    visit_on = models.DateField("visite le", null=True, blank=True)
    closed_on = models.DateField("clôturé le", null=True, blank=True)
    check_ledger = models.BooleanField(CHECKLIST[0][1], default=False)
    check_vouchers = models.BooleanField(CHECKLIST[1][1], default=False)
    check_statements = models.BooleanField(CHECKLIST[2][1], default=False)
    check_inventory = models.BooleanField(CHECKLIST[3][1], default=False)
    check_minutes = models.BooleanField(CHECKLIST[4][1], default=False)
    check_reconciliation = models.BooleanField(CHECKLIST[5][1], default=False)
    findings = models.TextField("constats", blank=True)
    outcome = models.CharField(
        "conclusion", max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    letter_sent_at = models.DateTimeField("lettre envoyée le", null=True, blank=True)
    # Rendered once, in the background, when the letter is sent (what it says is then frozen).
    letter_pdf = models.FileField("lettre (PDF)", upload_to=private_upload_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("créé le", default=timezone.now)

    history = HistoricalRecords(m2m_fields=[assigned])
    objects = ControlQuerySet.as_manager()

    class Meta:
        verbose_name = "contrôle"
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="control_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=~Q(status=ControlStatus.CLOSED) | ~Q(outcome=""),
                name="control_closed_has_outcome",
            ),
        ]

    def __str__(self):
        return f"Contrôle {self.school_year} — {self.cooperative}"

    def get_absolute_url(self) -> str:
        return reverse("finances:control_detail", args=[self.pk])

    @property
    def reasons(self) -> list[str]:
        return [reason for reason, name in REASON_FIELDS.items() if getattr(self, name)]

    @property
    def reason_labels(self) -> list[str]:
        return [Reason(reason).label for reason in self.reasons]

    @property
    def checklist(self) -> list[tuple[str, bool]]:
        return [(label, getattr(self, name)) for name, label in CHECKLIST]

    def can_be_run_by(self, user) -> bool:
        return user.is_board_member

    def can_answer(self, user) -> bool:
        return (
            self.letter_sent_at is not None
            and user.is_mandataire
            and self.cooperative.has_mandataire(user)
        )


class ActionStatus(models.TextChoices):
    TODO = "a_faire", "À faire"
    ANSWERED = "repondu", "Répondu"
    DONE = "fait", "Fait"


class ControlActionQuerySet(models.QuerySet):
    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today).exclude(status=ActionStatus.DONE)

    def of_controls_assigned_to(self, user):
        return self.filter(control__in=Control.objects.assigned_to(user))


class ControlAction(models.Model):
    """A follow-up action asked of the coop, which the mandataire answers."""

    Status = ActionStatus

    control = models.ForeignKey(Control, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField("action demandée", max_length=500)
    due_date = models.DateField("à faire pour le")
    status = models.CharField(
        "état", max_length=10, choices=ActionStatus.choices, default=ActionStatus.TODO
    )
    answer = models.TextField("réponse de la coopérative", blank=True)
    answer_file = models.FileField(
        "pièce jointe", upload_to=private_upload_path, max_length=255, blank=True
    )
    answered_at = models.DateTimeField("répondu le", null=True, blank=True)

    history = HistoricalRecords()
    objects = ControlActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action de suivi"
        verbose_name_plural = "actions de suivi"
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.description
