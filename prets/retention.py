"""What loans and sales keep about people: who reserved, handed over, took back (by account)."""

from occe.ops.retention import describe

describe(
    "prets.reservations",
    label="Réservations, prêts et commandes (qui a réservé, remis, repris)",
    purpose="Suivre le matériel prêté et les commandes des coopératives.",
    duration="tant que le compte existe ; anonymisées avec lui",
    order=41,
)
