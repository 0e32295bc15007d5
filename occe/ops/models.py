from django.db import models


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
