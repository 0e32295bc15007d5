from .loans import RELEASED, OverdueReminder, Reservation, ReservationQuerySet, Status
from .resources import (
    Condition,
    ContentItem,
    Copy,
    Incident,
    Resource,
    ResourceKind,
    ResourcePhoto,
    Theme,
)
from .sales import Order, OrderLine, PaymentMethod, Product, key_slug

__all__ = [
    "RELEASED",
    "Condition",
    "ContentItem",
    "Copy",
    "Incident",
    "Order",
    "OrderLine",
    "OverdueReminder",
    "PaymentMethod",
    "Product",
    "Reservation",
    "ReservationQuerySet",
    "Resource",
    "ResourceKind",
    "ResourcePhoto",
    "Status",
    "Theme",
    "key_slug",
]
