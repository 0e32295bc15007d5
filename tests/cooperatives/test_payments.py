"""Issue 3.11: the secretariat records payments of the fee (partial ones too, never more than
what remains, even at once), cancels a mistaken one without deleting it; the campaign shows
what is still to collect and the mandataire what remains to pay."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.forms import ValidationError as FormValidationError
from django.urls import reverse

from cooperatives.forms import PaymentForm
from cooperatives.models import Affiliation, FeePayment
from occe.core.forms import parse_french_decimal
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory, FeePaymentFactory

pytestmark = pytest.mark.django_db


def url(name, affiliation, *args):
    return reverse(
        f"cooperatives:{name}",
        args=[affiliation.cooperative_id, affiliation.school_year.label, *args],
    )


@pytest.mark.parametrize(
    "text, amount",
    [
        ("120,50", "120.50"),
        ("120.50", "120.50"),
        ("120", "120"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),
        ("1\u202f234,5", "1234.5"),
        (" 45,00 € ", "45.00"),
    ],
)
def test_amounts_are_read_the_french_way(text, amount):
    assert parse_french_decimal(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["1.234,56", "1,234.56", "12,345", "1.234", "abc", "-5", "1e3"])
def test_ambiguous_or_unreadable_amounts_are_refused(text):
    with pytest.raises(FormValidationError, match="(?i)montant"):
        parse_french_decimal(text)


def test_the_amount_is_a_text_input_for_decimals():
    html = str(PaymentForm()["amount"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html


@pytest.fixture
def fee(world) -> Affiliation:
    """The World's own affiliation (validated): 200 pupils, 12 adults."""
    affiliation = world.own_affiliation
    assert affiliation.fee_total == Decimal("450.40")  # 360 + 48 + 42,40 at the default rates
    return affiliation


def pay(client, affiliation, amount, **extra):
    data = {"date": datetime.date.today().isoformat(), "method": "virement", "amount": amount}
    return client.post(url("payment_create", affiliation), {**data, **extra})


def test_partial_payments_until_paid(world, client, fee):
    client.force_login(world.users["secretariat"])
    assert pay(client, fee, "120,50", reference="VIR 0042").status_code == 302
    payment = FeePayment.objects.get()
    assert (payment.amount, payment.method, payment.reference) == (
        Decimal("120.50"),
        "virement",
        "VIR 0042",
    )
    assert payment.recorded_by == world.users["secretariat"]
    fee = Affiliation.objects.get(pk=fee.pk)
    assert fee.amount_due == Decimal("329.90") and fee.payment_status == "payée en partie"

    response = pay(client, fee, "329,91")
    assert response.status_code == 200
    assert response.context["payment_form"].errors["amount"] == [
        "Le montant dépasse le reste à payer (329,90\u00a0€)."
    ]
    assert 'value="329,91"' in response.content.decode()  # kept as typed

    assert pay(client, fee, "329,90").status_code == 302
    fee = Affiliation.objects.get(pk=fee.pk)
    assert fee.amount_due == 0 and fee.payment_status == "payée"
    page = client.get(url("affiliation", fee)).content.decode()
    assert "Enregistrer le paiement" not in page  # nothing left to record


def test_the_mandataire_sees_what_remains_to_pay(world, client, fee):
    FeePaymentFactory(affiliation=fee, amount=Decimal("100"))
    client.force_login(world.users["mandataire"])
    page = client.get(url("affiliation", fee)).content.decode()
    assert "Reste à payer" in page and "350,40\u00a0€" in page
    assert "100,00\u00a0€" in page
    assert "Enregistrer le paiement" not in page and "Annuler" not in page
    assert pay(client, fee, "10").status_code == 403


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"amount": "0"}, "amount", "Le montant doit être d'au moins 0,01\u00a0€."),
        ({"amount": "1.234,5"}, "amount", "Montant ambigu"),
        ({"amount": "200000"}, "amount", "Le montant ne dépasse pas 100\u00a0000,00\u00a0€."),
        ({"method": "carte"}, "method", "Sélectionnez un choix valide"),
        (
            {"date": (datetime.date.today() + datetime.timedelta(days=1)).isoformat()},
            "date",
            "La date du paiement ne peut pas être dans le futur.",
        ),
    ],
)
def test_wrong_payments_are_refused_in_french(world, client, fee, data, field, message):
    client.force_login(world.users["secretariat"])
    response = pay(client, fee, **{"amount": "10", **data})
    assert response.status_code == 200
    assert response.context["payment_form"].errors[field][0].startswith(message)
    assert not FeePayment.objects.exists()


def test_no_payment_before_validation(world, client):
    draft = AffiliationFactory(cooperative=world.own_coop, school_year=world.year.previous())
    client.force_login(world.users["secretariat"])
    response = pay(client, draft, "10")
    assert response.status_code == 302 and not FeePayment.objects.exists()
    with pytest.raises(ValidationError, match="affiliation validée"):
        draft.record_payment(
            amount=Decimal("10"),
            date=datetime.date.today(),
            method="cheque",
            reference="",
            user=world.users["secretariat"],
        )


def test_a_mistaken_payment_is_cancelled_not_deleted(world, client, fee):
    secretary = world.users["secretariat"]
    payment = FeePaymentFactory(affiliation=fee, amount=Decimal("450.40"))
    client.force_login(secretary)
    cancel = url("payment_cancel", fee, payment.pk)
    assert "Motif de l&#x27;annulation" in client.get(cancel).content.decode()
    response = client.post(cancel, {"reason": ""})
    assert response.context["form"].errors["reason"] == ["Ce champ est obligatoire."]
    client.post(cancel, {"reason": "Chèque saisi deux fois"})
    payment.refresh_from_db()
    assert payment.is_cancelled and payment.cancelled_by == secretary
    assert payment.cancel_reason == "Chèque saisi deux fois"
    assert Affiliation.objects.get(pk=fee.pk).amount_due == Decimal("450.40")
    page = client.get(url("affiliation", fee)).content.decode()
    assert "Annulé</span> le" in page and "Chèque saisi deux fois" in page
    # Cancelled once: the page is gone, the payment stays.
    assert client.get(cancel).status_code == 404
    with pytest.raises(ValidationError):
        payment.delete()
    assert FeePayment.objects.filter(pk=payment.pk).exists()


def test_payments_appear_in_the_history_by_name(world, client, fee):
    secretary = world.users["secretariat"]
    payment = FeePaymentFactory(affiliation=fee, recorded_by=secretary)
    payment.cancel(secretary, "Erreur")
    client.force_login(secretary)
    page = client.get(reverse("cooperatives:detail", args=[fee.cooperative_id])).content.decode()
    assert f"Paiement de cotisation {fee.school_year}" in page
    assert f"annulé par : « — » → « {secretary.get_full_name()} »" in page


class TestCampaign:
    def test_the_campaign_lists_what_is_still_to_collect(self, world, client, fee):
        FeePaymentFactory(affiliation=fee, amount=Decimal("46.40"))
        paid = AffiliationFactory(school_year=world.year, validated=True)
        FeePaymentFactory(affiliation=paid, amount=paid.fee_total)
        AffiliationFactory(school_year=world.year, submitted=True)  # not due yet
        client.force_login(world.users["administrateur"])
        response = client.get(
            reverse("cooperatives:campaign"), {"annee": world.year.label, "etat": "a_encaisser"}
        )
        assert response.context["counts"]["a_encaisser"] == 2
        rows = {coop.name: coop.year_due for coop in response.context["page"]}
        assert rows == {
            world.own_coop.name: Decimal("404.00"),
            world.other_coop.name: Decimal("450.40"),
        }
        assert response.context["to_collect"] == Decimal("854.40")
        assert "reste 854,40\u00a0€" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_never_exceed_the_fee():
    """Two secretaries record 300 € each at the same moment on a 450,40 € fee: one is refused.
    On PostgreSQL the threads really run together and the affiliation's row lock serializes
    them; SQLite serializes whole write transactions (the retry loop absorbs its lock)."""
    affiliation = AffiliationFactory(validated=True)
    assert affiliation.fee_total == Decimal("450.40")
    secretaries = [UserFactory(secretariat=True) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def worker(user):
        try:
            barrier.wait(timeout=10)
            for attempt in range(40):
                try:
                    Affiliation.objects.get(pk=affiliation.pk).record_payment(
                        amount=Decimal("300"),
                        date=datetime.date.today(),
                        method="cheque",
                        reference="",
                        user=user,
                    )
                    outcomes.append("recorded")
                    return
                except ValidationError:
                    outcomes.append("refused")
                    return
                except Exception as exc:  # SQLite: "database is locked" → try again
                    if connection.vendor == "postgresql" or "locked" not in str(exc):
                        raise
                    threading.Event().wait(0.05 * (attempt + 1))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(user,)) for user in secretaries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["recorded", "refused"]
    assert FeePayment.objects.count() == 1


def test_the_demo_department_has_realistic_payments(db):
    from cooperatives import demo
    from occe.core.models import SchoolYear

    demo.generate(30, seed=3)
    current = SchoolYear.objects.current()
    previous = current.previous()
    validated_last_year = Affiliation.objects.of_year(previous).validated().count()
    unpaid_last_year = Affiliation.objects.unpaid(previous).count()
    assert unpaid_last_year <= validated_last_year * 0.25  # most of last year is paid
    validated = Affiliation.objects.of_year(current).validated().count()
    unpaid = Affiliation.objects.unpaid(current).count()
    assert validated * 0.2 <= unpaid < validated  # this year's campaign is under way
    for affiliation in Affiliation.objects.validated().with_paid():
        assert affiliation.paid_total <= affiliation.fee_total
    assert not FeePayment.objects.filter(date__gt=datetime.date.today()).exists()
