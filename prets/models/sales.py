"""What the association sells to cooperatives: products and orders."""

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from cooperatives.models import Cooperative
from occe.accounts import rules

from .scope import CoopScopedQuerySet

MAX_PRICE = Decimal("10000")
MAX_STOCK = 1_000_000
MAX_QUANTITY = 10_000
SLUG_RE = re.compile(r"^[a-z0-9_]+$")


def key_slug(text: str) -> str:
    """'Agenda coop cycle 2' -> 'agenda_coop_cycle_2': the report's keys are lower-case ASCII
    with underscores."""
    return slugify(text).replace("-", "_")[:60]


class ProductQuerySet(models.QuerySet):
    def orderable(self, today: datetime.date | None = None) -> "ProductQuerySet":
        """On sale today: active and inside its order window (an open end has no limit)."""
        today = today or timezone.localdate()
        return self.filter(
            Q(orders_open_on__isnull=True) | Q(orders_open_on__lte=today),
            Q(orders_close_on__isnull=True) | Q(orders_close_on__gte=today),
            active=True,
        )


class Product(models.Model):
    name = models.CharField("produit", max_length=150, unique=True)
    slug = models.CharField(
        "identifiant",
        max_length=60,
        unique=True,
        editable=False,
        help_text="Fixé à la création : c'est la clé du produit dans le rapport d'activité.",
    )
    description = models.TextField("description", blank=True)
    price = models.DecimalField(
        "prix unitaire",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_PRICE)],
    )
    stock = models.PositiveIntegerField(
        "stock", default=0, validators=[MaxValueValidator(MAX_STOCK)]
    )
    max_per_order = models.PositiveIntegerField(
        "quantité maximale par commande",
        default=1000,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)],
    )
    orders_open_on = models.DateField("commandes ouvertes du", null=True, blank=True)
    orders_close_on = models.DateField("au", null=True, blank=True)
    active = models.BooleanField("en vente", default=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = "produit"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock__gte=0, stock__lte=MAX_STOCK),
                name="product_stock_bounds",
                violation_error_message="Le stock va de 0 à 1 000 000.",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0, price__lte=MAX_PRICE),
                name="product_price_bounds",
                violation_error_message="Le prix va de 0 à 10 000 €.",
            ),
            models.CheckConstraint(
                condition=Q(max_per_order__gte=1, max_per_order__lte=MAX_QUANTITY),
                name="product_max_per_order_bounds",
                violation_error_message="La quantité maximale par commande va de 1 à 10 000.",
            ),
            models.CheckConstraint(
                condition=Q(orders_open_on__isnull=True)
                | Q(orders_close_on__isnull=True)
                | Q(orders_close_on__gte=F("orders_open_on")),
                name="product_order_window",
                violation_error_message="La fermeture des commandes précède leur ouverture.",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = key_slug(self.name)
        if not SLUG_RE.match(self.slug):
            raise ValidationError("Identifiant de produit invalide.")
        super().save(*args, **kwargs)

    def is_orderable(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.active
            and (self.orders_open_on is None or self.orders_open_on <= today)
            and (self.orders_close_on is None or self.orders_close_on >= today)
        )


class PaymentMethod(models.TextChoices):
    CHEQUE = "cheque", "Chèque"
    VIREMENT = "virement", "Virement"
    ESPECES = "especes", "Espèces"


class OrderQuerySet(CoopScopedQuerySet):
    def editable_by(self, user) -> "OrderQuerySet":
        """Mirrors `Order.can_be_edited_by`: every order for the secretariat."""
        return self if rules.is_secretariat(user) else self.none()

    def to_prepare(self) -> "OrderQuerySet":
        return self.filter(status=Order.Status.ORDERED)

    def with_totals(self) -> "OrderQuerySet":
        line_amount = ExpressionWrapper(
            F("lines__quantity") * F("lines__unit_price"),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
        return self.annotate(total_amount=Sum(line_amount), total_quantity=Sum("lines__quantity"))


class Order(models.Model):
    class Status(models.TextChoices):
        ORDERED = "commandee", "Commandée"
        PREPARED = "preparee", "Préparée"
        HANDED_OVER = "remise", "Remise"
        SHIPPED = "expediee", "Expédiée"
        PAID = "reglee", "Réglée"
        CANCELLED = "annulee", "Annulée"

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="orders", verbose_name="coopérative"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name="commandée par",
    )
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.ORDERED
    )
    note = models.TextField("message", blank=True)
    created_at = models.DateTimeField("commandée le", default=timezone.now)
    prepared_at = models.DateTimeField("préparée le", null=True, blank=True)
    delivered_on = models.DateField("remise ou expédiée le", null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    paid_on = models.DateField("réglée le", null=True, blank=True)
    payment_method = models.CharField(
        "mode de règlement", max_length=10, choices=PaymentMethod.choices, blank=True
    )
    payment_reference = models.CharField("référence du règlement", max_length=100, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    cancel_reason = models.TextField("motif d'annulation", blank=True)
    # Set in the same UPDATE that cancels, only if still empty: the stock comes back once.
    stock_returned_at = models.DateTimeField("stock rendu le", null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = "commande"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"Commande n° {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("prets:order_detail", args=[self.pk])

    @property
    def is_delivered(self) -> bool:
        return self.status in (self.Status.HANDED_OVER, self.Status.SHIPPED, self.Status.PAID)

    def can_be_edited_by(self, user) -> bool:
        """Who takes the order's steps (prepare, deliver, record the payment): the secretariat.
        Whether the step fits the status is the service's question, with its message."""
        return rules.is_secretariat(user)

    def can_be_cancelled_by(self, user) -> bool:
        if user.is_secretariat:
            return self.status in (self.Status.ORDERED, self.Status.PREPARED)
        return (
            self.status == self.Status.ORDERED
            and user.is_mandataire
            and self.cooperative.has_mandataire(user)
        )


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name="commande"
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="lines", verbose_name="produit"
    )
    quantity = models.PositiveIntegerField(
        "quantité", validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    # The price when ordered: a later change of the product's price never alters an order.
    unit_price = models.DecimalField("prix unitaire", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "ligne de commande"
        ordering = ["product__name"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="one_line_per_product"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY),
                name="order_line_quantity_bounds",
                violation_error_message="La quantité d'une ligne va de 1 à 10 000.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, unit_price__lte=MAX_PRICE),
                name="order_line_price_bounds",
                violation_error_message="Le prix va de 0 à 10 000 €.",
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.product}"

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price
