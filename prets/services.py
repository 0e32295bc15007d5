"""Workflows of loans and sales: reservation without double booking, hand-over and return
(incidents on the copy), orders that take and give back stock once."""

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.utils import timezone

from occe.core.formats import date_fr

from .availability import Proposal, next_free_dates
from .constraints import is_exclusion_violation
from .models import (
    Condition,
    Copy,
    Incident,
    Order,
    OrderLine,
    Product,
    Reservation,
    Resource,
    Status,
)


class WorkflowError(Exception):
    """An action the current state forbids; the message is shown to the user as is."""


class Unavailable(WorkflowError):
    """No copy is free for the period; `proposals` are the next free dates."""

    def __init__(self, message: str, proposals: list[Proposal]):
        super().__init__(message)
        self.proposals = proposals


def serialize_writers(model: type[Model], pks: Iterable[int]) -> None:
    """On SQLite, take the database's write lock now, before reading.

    SQLite has no row locks and ignores SELECT … FOR UPDATE: a write first (as BEGIN IMMEDIATE
    would) makes every other writer wait until this transaction ends, so the reads and checks
    that follow cannot interleave with theirs. PostgreSQL locks rows (select_for_update) and
    has the exclusion constraint, so nothing is done there.
    """
    if connection.vendor == "sqlite":
        name = model._meta.pk.attname
        model.objects.filter(pk__in=list(pks)).update(**{name: F(name)})


# --- Reservations ----------------------------------------------------------------------------


def reserve(
    *,
    resource: Resource,
    cooperative,
    user,
    start: datetime.date,
    end: datetime.date,
    copy: Copy | None = None,
    note: str = "",
) -> Reservation:
    """Book a free copy (the one asked for, or the first free one) for the period.

    Raises Unavailable, with the next free dates, when none is free: two requests for the
    same copy and overlapping periods never both succeed (PostgreSQL: the exclusion
    constraint refuses the second insert; SQLite: the write lock serializes the check).
    """
    today = timezone.localdate()
    problems = resource.period_problems(start, end, today)
    if problems:
        raise WorkflowError(" ".join(problems.values()))
    if not resource.can_be_reserved_by(user):
        raise WorkflowError("Cette ressource se réserve auprès de l'équipe de l'association.")
    if copy is not None and (copy.resource_id != resource.pk or not copy.is_bookable):
        raise WorkflowError(f"L'exemplaire {copy} ne peut pas être réservé.")
    bookable = list(resource.copies.bookable())
    if not bookable:
        raise WorkflowError("Aucun exemplaire de cette ressource n'est en état d'être prêté.")
    candidates = [copy] if copy else bookable
    until = end + datetime.timedelta(days=resource.checking_delay_days)
    with transaction.atomic():
        serialize_writers(Resource, [resource.pk])
        taken = set(
            Reservation.objects.overlapping(start, until)
            .filter(copy__in=candidates)
            .values_list("copy_id", flat=True)
        )
        for candidate in candidates:
            if candidate.pk in taken:
                continue
            try:
                with transaction.atomic():  # a savepoint: a refused insert leaves the rest
                    return Reservation.objects.create(
                        resource=resource,
                        copy=candidate,
                        cooperative=cooperative,
                        requested_by=user,
                        start_date=start,
                        end_date=end,
                        available_again_on=until,
                        note=note,
                    )
            except IntegrityError as exc:
                # Another request took this copy since the check (PostgreSQL only).
                if not is_exclusion_violation(exc):
                    raise
    proposals = next_free_dates(resource, bookable, max(start, today), (end - start).days + 1)
    raise Unavailable(unavailable_message(copy, start, end, proposals), proposals)


def unavailable_message(
    copy: Copy | None, start: datetime.date, end: datetime.date, proposals: list[Proposal]
) -> str:
    what = f"L'exemplaire {copy.inventory_number} n'est" if copy else "Aucun exemplaire n'est"
    message = f"{what} libre du {date_fr(start)} au {date_fr(end)}."
    if proposals:
        options = " ; ".join(
            f"du {date_fr(p.start)} au {date_fr(p.end)} (exemplaire {p.copy.inventory_number})"
            for p in proposals
        )
        message += f" Prochaines dates libres pour la même durée : {options}."
    return message


def _locked(reservation: Reservation, allowed: tuple, action: str) -> Reservation:
    """The reservation re-read under lock, in one of the `allowed` statuses (a double click
    or two staff members acting at once do the action once)."""
    serialize_writers(Reservation, [reservation.pk])
    fresh = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if fresh.status not in allowed:
        raise WorkflowError(
            f"Impossible de {action} cette réservation : elle est "
            f"{fresh.get_status_display().lower()}."
        )
    return fresh


def _notify(reservation: Reservation, template: str) -> None:
    from . import tasks

    tasks.notify_borrower.delay_on_commit(reservation.pk, template)


def _decide(reservation: Reservation, user, status: str, allowed: tuple, action: str, reason=""):
    reservation = _locked(reservation, allowed, action)
    reservation.status = status
    reservation.decided_at = timezone.now()
    reservation.decided_by = user
    reservation.reason = reason.strip()
    reservation.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    return reservation


@transaction.atomic
def confirm(reservation: Reservation, user) -> Reservation:
    reservation = _decide(reservation, user, Status.CONFIRMED, (Status.REQUESTED,), "confirmer")
    _notify(reservation, "confirmee")
    return reservation


@transaction.atomic
def refuse(reservation: Reservation, user, reason: str) -> Reservation:
    if not reason.strip():
        raise WorkflowError("Indiquez le motif du refus : il est envoyé à la coopérative.")
    open_ = (Status.REQUESTED, Status.CONFIRMED)
    reservation = _decide(reservation, user, Status.REFUSED, open_, "refuser", reason)
    _notify(reservation, "refusee")
    return reservation


@transaction.atomic
def cancel(reservation: Reservation, user, reason: str = "") -> Reservation:
    open_ = (Status.REQUESTED, Status.CONFIRMED)
    return _decide(reservation, user, Status.CANCELLED, open_, "annuler", reason)


def _set_condition(copy_id: int, condition: str) -> None:
    copy = Copy.objects.get(pk=copy_id)
    if copy.condition != condition:
        copy.condition = condition
        copy.save(update_fields=["condition"])  # recorded in the copy's history


@transaction.atomic
def hand_over(
    reservation: Reservation,
    user,
    *,
    on: datetime.date,
    condition: str,
    contents_checked: bool,
    notes: str = "",
) -> Reservation:
    if on > timezone.localdate():
        raise WorkflowError("La date de remise ne peut pas être dans le futur.")
    if not contents_checked:
        raise WorkflowError("Vérifiez le contenu avec l'emprunteur avant de le remettre.")
    if condition == Condition.HORS_SERVICE:
        raise WorkflowError("Un exemplaire hors service ne se prête pas.")
    reservation = _locked(reservation, (Status.CONFIRMED,), "remettre")
    reservation.status = Status.HANDED_OVER
    reservation.handed_over_on = on
    reservation.handed_over_by = user
    reservation.handover_condition = condition
    reservation.contents_checked = True
    reservation.handover_notes = notes
    reservation.save()
    _set_condition(reservation.copy_id, condition)
    return reservation


@transaction.atomic
def take_back(
    reservation: Reservation,
    user,
    *,
    on: datetime.date,
    condition: str,
    missing: list[tuple[str, int]] = (),
    damaged: list[tuple[str, int]] = (),
    notes: str = "",
) -> Reservation:
    """Record the return; each missing or damaged item opens an incident on the copy."""
    if on > timezone.localdate():
        raise WorkflowError("La date de retour ne peut pas être dans le futur.")
    reservation = _locked(reservation, (Status.HANDED_OVER,), "reprendre")
    if on < reservation.handed_over_on:
        raise WorkflowError(
            f"Le retour ne peut pas précéder la remise ({date_fr(reservation.handed_over_on)})."
        )
    reservation.status = Status.RETURNED
    reservation.returned_on = on
    reservation.returned_by = user
    reservation.return_condition = condition
    reservation.return_notes = notes
    # Back early, the copy is free sooner (shrinking the hold never overlaps another one).
    # Back late, the hold stays: lengthening it could overlap the next reservation.
    delay = datetime.timedelta(days=reservation.resource.checking_delay_days)
    reservation.available_again_on = max(
        min(reservation.available_again_on, on + delay),
        reservation.start_date + datetime.timedelta(days=1),
    )
    reservation.save()
    _set_condition(reservation.copy_id, condition)
    Incident.objects.bulk_create(
        Incident(
            copy_id=reservation.copy_id,
            reservation=reservation,
            kind=kind,
            item=item,
            quantity=quantity,
            description=notes,
            opened_on=on,
            opened_by=user,
        )
        for kind, items in ((Incident.Kind.MANQUANT, missing), (Incident.Kind.ABIME, damaged))
        for item, quantity in items
    )
    return reservation


@transaction.atomic
def close(reservation: Reservation, user) -> Reservation:
    reservation = _locked(reservation, (Status.RETURNED,), "clôturer")
    reservation.status = Status.CLOSED
    reservation.closed_at = timezone.now()
    reservation.save(update_fields=["status", "closed_at"])
    return reservation


def resolve_incident(incident: Incident, user, resolution: str) -> None:
    if not resolution.strip():
        raise WorkflowError("Indiquez la suite donnée (remplacé, réparé, facturé…).")
    resolved = Incident.objects.filter(pk=incident.pk, resolved_on__isnull=True).update(
        resolved_on=timezone.localdate(), resolved_by=user, resolution=resolution.strip()
    )
    if not resolved:
        raise WorkflowError("Cet incident est déjà résolu.")


# --- Sales -----------------------------------------------------------------------------------


def _locked_products(pks: Iterable[int]) -> list[Product]:
    """The products re-read under lock, always in id order: two orders that share products
    lock them in the same order, so they wait for each other but never deadlock."""
    pks = sorted(set(pks))
    serialize_writers(Product, pks)
    return list(Product.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def place_order(*, cooperative, user, quantities: dict[int, int], note: str = "") -> Order:
    """Order products for a coop; the stock is taken now, once, and never goes below zero
    (rows locked, then a CheckConstraint stock >= 0 as the last guard)."""
    wanted = {pk: quantity for pk, quantity in quantities.items() if quantity}
    if not wanted:
        raise WorkflowError("Indiquez la quantité d'au moins un produit.")
    today = timezone.localdate()
    with transaction.atomic():
        products = _locked_products(wanted)
        if len(products) != len(wanted):
            raise WorkflowError("Un des produits demandés n'existe plus.")
        problems = []
        for product in products:
            quantity = wanted[product.pk]
            if not product.is_orderable(today):
                problems.append(f"« {product.name} » n'est pas en vente en ce moment.")
            elif quantity > product.max_per_order:
                problems.append(
                    f"« {product.name} » : au plus {product.max_per_order} par commande."
                )
            elif quantity > product.stock:
                problems.append(
                    f"Stock insuffisant pour « {product.name} » : {product.stock} disponible"
                    f"{'s' if product.stock > 1 else ''}, {quantity} demandé"
                    f"{'s' if quantity > 1 else ''}."
                )
        if problems:
            raise WorkflowError(" ".join(problems))
        order = Order.objects.create(cooperative=cooperative, requested_by=user, note=note)
        OrderLine.objects.bulk_create(
            OrderLine(order=order, product=p, quantity=wanted[p.pk], unit_price=p.price)
            for p in products
        )
        for product in products:
            Product.objects.filter(pk=product.pk).update(stock=F("stock") - wanted[product.pk])
    return order


def cancel_order(order: Order, user, reason: str = "") -> None:
    """Cancel an order not delivered yet and give its stock back, once: the UPDATE that
    cancels also marks the stock returned, and matches nothing the second time."""
    now = timezone.now()
    with transaction.atomic():
        cancelled = Order.objects.filter(
            pk=order.pk,
            status__in=[Order.Status.ORDERED, Order.Status.PREPARED],
            stock_returned_at__isnull=True,
        ).update(
            status=Order.Status.CANCELLED,
            cancelled_at=now,
            cancelled_by=user,
            cancel_reason=reason.strip(),
            stock_returned_at=now,
        )
        if not cancelled:
            raise WorkflowError("Cette commande ne peut plus être annulée.")
        lines = list(order.lines.values_list("product_id", "quantity"))
        _locked_products(product_id for product_id, _ in lines)
        for product_id, quantity in sorted(lines):
            Product.objects.filter(pk=product_id).update(stock=F("stock") + quantity)


def _advance(order: Order, allowed: list[str], status: str, **fields) -> None:
    moved = Order.objects.filter(pk=order.pk, status__in=allowed).update(status=status, **fields)
    if not moved:
        order.refresh_from_db(fields=["status"])
        raise WorkflowError(f"Impossible : la commande est {order.get_status_display().lower()}.")


def prepare_order(order: Order, user) -> None:
    _advance(order, [Order.Status.ORDERED], Order.Status.PREPARED, prepared_at=timezone.now())


def deliver_order(order: Order, user, *, shipped: bool, on: datetime.date) -> None:
    """Handed over at the association, or shipped to the school."""
    if on > timezone.localdate():
        raise WorkflowError("La date de livraison ne peut pas être dans le futur.")
    _advance(
        order,
        [Order.Status.ORDERED, Order.Status.PREPARED],
        Order.Status.SHIPPED if shipped else Order.Status.HANDED_OVER,
        delivered_on=on,
        delivered_by=user,
    )


def record_payment(
    order: Order, user, *, on: datetime.date, method: str, reference: str = ""
) -> None:
    if on > timezone.localdate():
        raise WorkflowError("La date du règlement ne peut pas être dans le futur.")
    _advance(
        order,
        [Order.Status.HANDED_OVER, Order.Status.SHIPPED],
        Order.Status.PAID,
        paid_on=on,
        payment_method=method,
        payment_reference=reference.strip(),
    )
