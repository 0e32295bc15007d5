"""Gifts collected on the Trousse à projets platform: the remembered column mapping and the
uploaded export kept between the upload and the mapping step."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .receipts import DonationRequest


class TrousseMapping(models.Model):
    """How the columns of the Trousse à projets export map to donor fields (remembered)."""

    mapping = models.JSONField("correspondance des colonnes", default=dict)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "correspondance Trousse à projets"

    def __str__(self):
        return "Correspondance des colonnes de la Trousse à projets"

    @classmethod
    def get(cls) -> "TrousseMapping":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class TrousseImport(models.Model):
    """An uploaded Trousse à projets export, kept between the upload and the mapping step."""

    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    filename = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    request = models.ForeignKey(
        DonationRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "import Trousse à projets"

    def __str__(self):
        return self.filename
