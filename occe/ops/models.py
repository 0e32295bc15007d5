from django.conf import settings
from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """One run of the `heartbeat` task, recorded once per task id even if it runs twice: proof
    that beat, the broker, a worker and the database work together (shown by /sante/)."""

    key = models.CharField("identifiant de la tâche", max_length=64, unique=True)
    ran_at = models.DateTimeField("exécutée le", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "battement du worker"
        verbose_name_plural = "battements du worker"

    def __str__(self):
        return f"{self.key} ({self.ran_at:%Y-%m-%d %H:%M})"

    @classmethod
    def record(cls, key: str) -> bool:
        """Once per key: False when this run was recorded already (a redelivered message)."""
        return cls.objects.get_or_create(key=key)[1]


class RetentionRun(models.Model):
    """One run of the retention task: what each rule erased (counts only, no personal data)."""

    ran_on = models.DateField("date de référence")
    started_at = models.DateTimeField("commencée le", default=timezone.now)
    counts = models.JSONField("effacements par règle", default=dict)

    class Meta:
        verbose_name = "passage de la conservation des données"
        verbose_name_plural = "passages de la conservation des données"
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"Conservation des données du {self.ran_on:%d/%m/%Y}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class AccountDeactivation(models.Model):
    """An account the retention task deactivated (no role and no login for 2 years): it is
    anonymised a year later unless someone reactivated it (which removes this row)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="retention_deactivation",
        verbose_name="compte",
    )
    deactivated_on = models.DateField("désactivé le")

    class Meta:
        verbose_name = "compte désactivé faute d'usage"
        verbose_name_plural = "comptes désactivés faute d'usage"

    def __str__(self):
        return f"Compte {self.user_id} désactivé le {self.deactivated_on:%d/%m/%Y}"


class PersonAction(models.Model):
    """An export or an anonymisation of one person's data, asked by a member of staff: who,
    when, about whom (the address as typed, kept as the proof the request was answered; it is
    blanked when the anonymisation is this person's), and what it touched (counts)."""

    class Kind(models.TextChoices):
        EXPORT = "export", "Export des données"
        ANONYMISE = "anonymise", "Anonymisation"

    kind = models.CharField("action", max_length=10, choices=Kind.choices)
    subject = models.CharField("personne (adresse électronique)", max_length=254)
    reason = models.CharField("motif ou référence de la demande", max_length=250, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="par",
    )
    done_at = models.DateTimeField("le", default=timezone.now)
    counts = models.JSONField("données concernées", default=dict)
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "demande sur des données personnelles"
        verbose_name_plural = "demandes sur des données personnelles"
        ordering = ["-done_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} du {timezone.localtime(self.done_at):%d/%m/%Y %H:%M}"


class LoginEvent(models.Model):
    """A login success or failure (allauth's signals), for the president to review. The
    address typed is kept only on failures that match no account (it may be a typo of anyone's
    address, so it is cut to its domain)."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Connexion réussie"
        FAILURE = "failure", "Échec"

    outcome = models.CharField("résultat", max_length=10, choices=Outcome.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="compte",
    )
    identifier = models.CharField("identifiant saisi", max_length=254, blank=True)
    ip = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    at = models.DateTimeField("le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "connexion"
        verbose_name_plural = "journal des connexions"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_outcome_display()} ({timezone.localtime(self.at):%d/%m/%Y %H:%M})"
