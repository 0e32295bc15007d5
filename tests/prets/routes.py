"""Every page of loans and sales, with every role (collected by tests/test_access.py).

The World's own coop has a reservation in each state and orders; its mandataire reads them,
another coop's mandataire gets a 404, the board reads without acting (403)."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from prets.models import Incident, Order
from tests.access import (
    EVERYONE,
    SECRETARIAT,
    STAFF,
    STAFF_AND_BOARD,
    Route,
    as_post,
    expect,
)

from .factories import (
    CopyFactory,
    OrderLineFactory,
    ProductFactory,
    ReservationFactory,
    ResourceFactory,
    add_photo,
)

# Reading one coop's reservation or order: staff, board and its own mandataire.
COOP_LOANS = expect(200, enseignant=403, autre_mandataire=404)
# Acting on a loan: staff (secretariat and animation).
LOAN_STAFF = expect(secretariat=200, animation=200, autre_mandataire=404)
# Acting on an order: the secretariat.
ORDER_STAFF = expect(secretariat=200, autre_mandataire=404)
BY_COOPS = expect(secretariat=200, mandataire=200, autre_mandataire=200)


def build(world) -> SimpleNamespace:
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    coop, mandataire = world.own_coop, world.users["mandataire"]
    resource = ResourceFactory(contents=[("Caméra", 1), ("Batterie", 2)])
    copy = CopyFactory(resource=resource)

    def reservation(start, **traits):
        return ReservationFactory(
            copy=copy,
            cooperative=coop,
            requested_by=mandataire,
            start_date=start,
            end_date=start + 9 * day,
            **traits,
        )

    built = SimpleNamespace(
        resource=resource,
        copy=copy,
        photo=add_photo(resource, world.users["secretariat"]),
        requested=reservation(today + 30 * day),
        confirmed=reservation(today + 50 * day, confirmed=True),
        handed_over=reservation(today - 5 * day, handed_over=True),
        returned=reservation(today - 30 * day, returned=True),
        product=ProductFactory(),
        today=today.isoformat(),
    )
    built.incident = Incident.objects.create(
        copy=copy, reservation=built.returned, kind="manquant", item="Batterie"
    )
    built.order = OrderLineFactory(
        order__cooperative=coop, order__requested_by=mandataire, product=built.product
    ).order
    built.delivered_order = OrderLineFactory(
        order__cooperative=coop,
        order__requested_by=mandataire,
        order__status=Order.Status.HANDED_OVER,
        product=built.product,
    ).order
    return built


RESOURCE = {"pk": "prets.resource.pk"}
COPY = {"pk": "prets.copy.pk"}
REQUESTED = {"pk": "prets.requested.pk"}
ORDER = {"pk": "prets.order.pk"}

ROUTES = [
    Route("prets:catalogue", EVERYONE),
    Route("prets:resource_detail", EVERYONE, RESOURCE),
    Route("prets:resource_create", STAFF),
    Route("prets:resource_edit", STAFF, RESOURCE),
    Route("prets:photo_add", as_post(STAFF), RESOURCE, "post"),
    Route("prets:photo", EVERYONE, {"pk": "prets.photo.pk", "size": "=vignette"}),
    Route("prets:photo_delete", as_post(STAFF), {"pk": "prets.photo.pk"}, "post"),
    Route("prets:copy_create", STAFF, RESOURCE),
    Route("prets:copy_edit", STAFF, COPY),
    Route("prets:copy_detail", STAFF_AND_BOARD, COPY),
    Route(
        "prets:incident_resolve",
        as_post(STAFF),
        {"pk": "prets.incident.pk"},
        "post",
        {"resolution": "=Batterie remplacée"},
    ),
    Route("prets:reserve", {**BY_COOPS, "animation": 200}, RESOURCE),
    Route("prets:reservation_list", expect(200, enseignant=403)),
    Route("prets:reservation_detail", COOP_LOANS, REQUESTED),
    Route("prets:reservation_confirm", as_post(LOAN_STAFF), REQUESTED, "post"),
    Route(
        "prets:reservation_refuse",
        as_post(LOAN_STAFF),
        REQUESTED,
        "post",
        {"reason": "=Matériel en réparation"},
    ),
    Route(
        "prets:reservation_cancel",
        as_post(expect(secretariat=200, animation=200, mandataire=200, autre_mandataire=404)),
        REQUESTED,
        "post",
    ),
    Route("prets:hand_over", LOAN_STAFF, {"pk": "prets.confirmed.pk"}),
    Route("prets:take_back", LOAN_STAFF, {"pk": "prets.handed_over.pk"}),
    Route("prets:reservation_close", as_post(LOAN_STAFF), {"pk": "prets.returned.pk"}, "post"),
    Route("prets:today", STAFF_AND_BOARD),
    Route("prets:overdue", STAFF_AND_BOARD),
    Route("prets:product_list", STAFF_AND_BOARD),
    Route("prets:product_create", SECRETARIAT),
    Route("prets:product_edit", SECRETARIAT, {"pk": "prets.product.pk"}),
    Route("prets:order_list", expect(200, enseignant=403)),
    Route("prets:order_create", BY_COOPS),
    Route("prets:order_detail", COOP_LOANS, ORDER),
    Route("prets:order_prepare", as_post(ORDER_STAFF), ORDER, "post"),
    Route(
        "prets:order_deliver",
        as_post(ORDER_STAFF),
        ORDER,
        "post",
        {"livraison-shipped": "=0", "livraison-on": "prets.today"},
    ),
    Route(
        "prets:order_pay",
        as_post(ORDER_STAFF),
        {"pk": "prets.delivered_order.pk"},
        "post",
        {"reglement-on": "prets.today", "reglement-method": "=cheque"},
    ),
    Route(
        "prets:order_cancel",
        as_post(expect(secretariat=200, mandataire=200, autre_mandataire=404)),
        ORDER,
        "post",
    ),
    Route("prets:order_form_pdf", COOP_LOANS, ORDER),
    Route("prets:delivery_note_pdf", COOP_LOANS, ORDER),
    Route("prets:figures", STAFF_AND_BOARD),
    Route("prets:figures_export", STAFF_AND_BOARD),
]
