"""Orders: stock taken once and never below zero (also under concurrency), given back once on
cancellation, statuses, the order form and delivery note PDFs."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from prets import services
from prets.forms import ProductForm
from prets.models import Order, OrderLine, Product
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory, MandateFactory

from .concurrency import race
from .factories import OrderLineFactory, ProductFactory

DAY = datetime.timedelta(days=1)
pytestmark = pytest.mark.django_db


def order(coop, user, **quantities) -> Order:
    products = {p.slug: p.pk for p in Product.objects.all()}
    return services.place_order(
        cooperative=coop,
        user=user,
        quantities={products[slug]: quantity for slug, quantity in quantities.items()},
    )


@pytest.fixture
def agendas():
    return [
        ProductFactory(name=f"Agenda coop cycle {n}", price=Decimal("7.50"), stock=50)
        for n in (1, 2, 3)
    ]


def test_an_order_takes_the_stock_at_the_price_of_the_day(agendas):
    coop, user = CooperativeFactory(), UserFactory(mandataire=True)
    placed = order(coop, user, agenda_coop_cycle_2=30, agenda_coop_cycle_3=5)
    assert [(line.product.slug, line.quantity, line.unit_price) for line in placed.lines.all()] == [
        ("agenda_coop_cycle_2", 30, Decimal("7.50")),
        ("agenda_coop_cycle_3", 5, Decimal("7.50")),
    ]
    assert {p.slug: p.stock for p in Product.objects.all()} == {
        "agenda_coop_cycle_1": 50,
        "agenda_coop_cycle_2": 20,
        "agenda_coop_cycle_3": 45,
    }
    Product.objects.filter(slug="agenda_coop_cycle_2").update(price=Decimal("9"))
    assert OrderLine.objects.get(product__slug="agenda_coop_cycle_2").amount == Decimal("225.00")


def test_no_order_beyond_the_stock_the_window_or_the_limit(agendas):
    coop, user = CooperativeFactory(), UserFactory(mandataire=True)
    with pytest.raises(services.WorkflowError) as refused:
        order(coop, user, agenda_coop_cycle_1=51)
    assert str(refused.value) == (
        "Stock insuffisant pour « Agenda coop cycle 1 » : 50 disponibles, 51 demandés."
    )
    Product.objects.filter(slug="agenda_coop_cycle_2").update(
        orders_close_on=timezone.localdate() - DAY
    )
    with pytest.raises(services.WorkflowError, match="n'est pas en vente en ce moment"):
        order(coop, user, agenda_coop_cycle_2=1)
    Product.objects.filter(slug="agenda_coop_cycle_3").update(max_per_order=10)
    with pytest.raises(services.WorkflowError, match="au plus 10 par commande"):
        order(coop, user, agenda_coop_cycle_3=11)
    with pytest.raises(services.WorkflowError, match="au moins un produit"):
        order(coop, user)
    assert not Order.objects.exists()
    assert set(Product.objects.values_list("stock", flat=True)) == {50}


def test_the_database_refuses_a_negative_stock(agendas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=agendas[0].pk).update(stock=-1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_never_sell_more_than_the_stock(monkeypatch):
    """Six coops order 3 agendas each at once, 10 in stock: exactly three orders pass, the
    stock ends at 1, the others are told why."""
    product = ProductFactory(name="Agenda coop cycle 2", stock=10)
    buyers = []
    for _ in range(6):
        user = UserFactory(mandataire=True)
        buyers.append((MandateFactory(user=user).cooperative, user))

    def attempt(coop, user):
        def target():
            try:
                return services.place_order(cooperative=coop, user=user, quantities={product.pk: 3})
            except services.WorkflowError as exc:
                return str(exc)

        return target

    results = race([attempt(coop, user) for coop, user in buyers], monkeypatch)

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, str)]
    assert len(placed) == 3 and len(refused) == 3, results
    assert set(refused) == {
        "Stock insuffisant pour « Agenda coop cycle 2 » : 1 disponible, 3 demandés."
    }
    product.refresh_from_db()
    assert product.stock == 1
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 9


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_order_gives_its_stock_back_once(monkeypatch, agendas):
    coop, user = CooperativeFactory(), UserFactory(mandataire=True)
    placed = order(coop, user, agenda_coop_cycle_1=20, agenda_coop_cycle_3=10)
    secretary = UserFactory(secretariat=True)

    def cancel():
        try:
            services.cancel_order(placed, secretary, "Doublon")
            return "annulée"
        except services.WorkflowError as exc:
            return str(exc)

    results = race([cancel, cancel], monkeypatch)

    assert sorted(results) == ["Cette commande ne peut plus être annulée.", "annulée"]
    assert {p.slug: p.stock for p in Product.objects.all()} == {
        "agenda_coop_cycle_1": 50,
        "agenda_coop_cycle_2": 50,
        "agenda_coop_cycle_3": 50,
    }
    placed.refresh_from_db()
    assert placed.status == Order.Status.CANCELLED and placed.stock_returned_at
    assert (placed.cancelled_by, placed.cancel_reason) == (secretary, "Doublon")


def test_an_order_goes_from_ordered_to_paid(agendas):
    coop, user = CooperativeFactory(), UserFactory(mandataire=True)
    placed = order(coop, user, agenda_coop_cycle_2=12)
    secretary = UserFactory(secretariat=True)
    with pytest.raises(services.WorkflowError, match="la commande est commandée"):
        services.record_payment(placed, secretary, on=timezone.localdate(), method="cheque")
    services.prepare_order(placed, secretary)
    services.deliver_order(placed, secretary, shipped=True, on=timezone.localdate())
    with pytest.raises(services.WorkflowError, match="ne peut plus être annulée"):
        services.cancel_order(placed, secretary)
    services.record_payment(
        placed, secretary, on=timezone.localdate(), method="virement", reference="VIR 42"
    )
    placed.refresh_from_db()
    assert placed.status == Order.Status.PAID
    assert (placed.delivered_by, placed.payment_reference) == (secretary, "VIR 42")
    assert Product.objects.get(slug="agenda_coop_cycle_2").stock == 38  # taken once


def test_who_may_cancel_an_order(agendas):
    mandataire = UserFactory(mandataire=True)
    coop = MandateFactory(user=mandataire).cooperative
    placed = order(coop, mandataire, agenda_coop_cycle_1=1)
    secretary = UserFactory(secretariat=True)
    assert placed.can_be_cancelled_by(mandataire)
    assert not placed.can_be_cancelled_by(UserFactory(mandataire=True))
    assert not placed.can_be_cancelled_by(UserFactory(animation=True))
    services.prepare_order(placed, secretary)
    placed.refresh_from_db()
    assert not placed.can_be_cancelled_by(mandataire)
    assert placed.can_be_cancelled_by(secretary)


def test_product_prices_are_typed_the_french_way():
    data = {"name": "Calendrier 2027", "stock": "100", "max_per_order": "500", "active": "on"}
    form = ProductForm({**data, "price": "1 234,50"})
    assert form.is_valid(), form.errors
    product = form.save()
    assert product.price == Decimal("1234.50") and product.slug == "calendrier_2027"
    for typed, message in [
        ("12,5,0", "un seul séparateur"),
        ("douze", "Montant invalide"),
        ("-1", "supérieure ou égale à 0"),
        ("10 000,01", "inférieure ou égale à 10000"),
    ]:
        form = ProductForm({**data, "name": "Autre", "price": typed})
        assert not form.is_valid()
        assert message in str(form.errors["price"]), (typed, form.errors)
    assert 'inputmode="decimal"' in str(ProductForm()["price"])
    assert 'type="text"' in str(ProductForm()["price"])


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def test_order_form_and_delivery_note_pdfs(client, agendas):
    mandataire = UserFactory(mandataire=True)
    coop = MandateFactory(
        user=mandataire, cooperative__name="École Jean Jaurès", cooperative__number="920042"
    ).cooperative
    placed = order(coop, mandataire, agenda_coop_cycle_2=30, agenda_coop_cycle_3=4)
    ProductFactory(name="Livres « Lire c'est partir »", price=Decimal("0.80"), stock=2000)
    OrderLineFactory(
        order=placed,
        product=Product.objects.get(slug="livres_lire_cest_partir"),
        quantity=1200,
        unit_price=Decimal("0.80"),
    )
    client.force_login(mandataire)

    response = client.get(reverse("prets:order_form_pdf", args=[placed.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Bon de commande n° {placed.pk}" in text
    assert "École Jean Jaurès" in text and "920042" in text
    assert "Agenda coop cycle 2 30 7,50 € 225,00 €" in text
    assert "Livres « Lire c'est partir » 1 200 0,80 € 960,00 €" in text
    assert "Total à régler 1 215,00 €" in text

    services.deliver_order(
        placed, UserFactory(secretariat=True), shipped=True, on=timezone.localdate()
    )
    response = client.get(reverse("prets:delivery_note_pdf", args=[placed.pk]))
    text = pdf_text(response.content)
    assert "Bon de livraison" in text and "expédiée le" in text
    assert "Agenda coop cycle 3 4" in text and "Total des articles 1 234" in text
    assert "Reçu par la coopérative" in text
