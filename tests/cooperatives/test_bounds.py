"""Issue 1.3: headcounts and amounts have realistic bounds, in the forms (French messages) and
in the database, so no absurd figure is ever stored and no page answers 500."""

import datetime
from decimal import Decimal

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from cooperatives.models import (
    MAX_ADULTS,
    MAX_CLASSES,
    MAX_FEE,
    MAX_PUPILS,
    Affiliation,
    FeePayment,
)
from occe.core.models import MAX_RATE, RATE_FIELDS, Association
from tests.cooperatives.factories import AffiliationFactory

pytestmark = pytest.mark.django_db

REFUSED = (IntegrityError, DataError)  # a CHECK constraint, or PostgreSQL's integer range


def url(name, affiliation):
    return reverse(
        f"cooperatives:{name}", args=[affiliation.cooperative_id, affiliation.school_year.label]
    )


def test_the_import_finds_the_bounds_on_the_model_fields():
    for name in ("classes", "pupils", "adults"):
        maximum = {"classes": MAX_CLASSES, "pupils": MAX_PUPILS, "adults": MAX_ADULTS}[name]
        limits = [v.limit_value for v in Affiliation._meta.get_field(name).validators]
        assert 0 in limits and maximum in limits  # what the import checks cells with


def test_the_largest_school_at_the_highest_rates_fits_the_fee_bounds():
    association = Association(**dict.fromkeys(RATE_FIELDS, MAX_RATE))
    affiliation = Affiliation(classes=MAX_CLASSES, pupils=MAX_PUPILS, adults=MAX_ADULTS)
    affiliation.compute_fee(association)
    for fee in ("fee_pupils", "fee_adults", "fee_insurance", "fee_federal"):
        assert getattr(affiliation, fee) <= MAX_FEE, fee


@pytest.mark.parametrize(
    "field, value, message",
    [
        (
            "pupils",
            "1000000000000",
            "Le nombre d'élèves d'une coopérative ne dépasse pas 5\u00a0000",
        ),
        ("pupils", "60000000", "Le nombre d'élèves d'une coopérative ne dépasse pas 5\u00a0000"),
        ("classes", "151", "Le nombre de classes d'une coopérative ne dépasse pas 150"),
        ("adults", "1001", "Le nombre d'adultes d'une coopérative ne dépasse pas 1\u00a0000"),
        ("adults", "-1", "Le nombre d'adultes ne peut pas être négatif."),
    ],
)
def test_the_form_refuses_absurd_counts_in_french(world, client, field, value, message):
    affiliation = AffiliationFactory(
        cooperative=world.own_coop, school_year=world.year.previous(), submitted=True
    )
    client.force_login(world.users["secretariat"])
    data = {"classes": 8, "pupils": 200, "adults": 12, field: value}
    for name in ("affiliation", "affiliation_validate"):
        response = client.post(url(name, affiliation), data)
        assert response.status_code == 200
        assert response.context["form"].errors[field][0].startswith(message)
    affiliation.refresh_from_db()
    assert affiliation.pupils == 200 and not affiliation.is_validated


def test_the_largest_school_is_accepted(world, client):
    affiliation = AffiliationFactory(cooperative=world.own_coop, school_year=world.year.previous())
    client.force_login(world.users["secretariat"])
    data = {"classes": MAX_CLASSES, "pupils": MAX_PUPILS, "adults": MAX_ADULTS}
    assert client.post(url("affiliation_validate", affiliation), data).status_code == 302
    affiliation.refresh_from_db()
    assert affiliation.pupils == MAX_PUPILS and affiliation.is_validated


@pytest.mark.parametrize(
    "field, value",
    [
        ("pupils", 10**12),
        ("pupils", MAX_PUPILS + 1),
        ("classes", MAX_CLASSES + 1),
        ("adults", MAX_ADULTS + 1),
        ("fee_pupils", MAX_FEE + 1),
        ("fee_insurance", Decimal("-1")),
    ],
)
def test_the_database_refuses_what_the_form_would(world, field, value):
    """Even past the forms (ORM, admin, a script), on SQLite and PostgreSQL alike."""
    with pytest.raises(REFUSED), transaction.atomic():
        Affiliation.objects.filter(pk=world.own_affiliation.pk).update(**{field: value})


@pytest.mark.parametrize("amount", [Decimal("0"), MAX_FEE + 1])
def test_the_database_refuses_absurd_payments(world, amount):
    with pytest.raises(REFUSED), transaction.atomic():
        FeePayment.objects.create(
            affiliation=world.own_affiliation,
            date=datetime.date.today(),
            method="cheque",
            amount=amount,
            recorded_by=world.users["secretariat"],
        )


def test_the_database_refuses_a_rate_above_the_bound():
    association = Association.get()
    with pytest.raises(REFUSED), transaction.atomic():
        Association.objects.filter(pk=association.pk).update(pupil_rate_departmental=11)


def test_the_association_form_refuses_an_absurd_rate(world, client):
    from occe.core.forms import AssociationForm

    association = Association.get()
    data = {**AssociationForm(instance=association).initial, "adult_rate_federal": "11"}
    form = AssociationForm(data, instance=association)
    assert not form.is_valid()
    assert form.errors["adult_rate_federal"] == ["Un taux de cotisation ne dépasse pas 10,00 €."]


def test_pages_read_the_largest_figures(world, client):
    Affiliation.objects.filter(pk=world.own_affiliation.pk).update(
        classes=MAX_CLASSES, pupils=MAX_PUPILS, adults=MAX_ADULTS
    )
    client.force_login(world.users["secretariat"])
    for page in [
        reverse("home"),
        reverse("cooperatives:list"),
        reverse("cooperatives:campaign"),
        reverse("cooperatives:detail", args=[world.own_coop.pk]),
        url("affiliation", world.own_affiliation),
        url("attestation", world.own_affiliation),
        reverse("cooperatives:export"),
    ]:
        assert client.get(page).status_code == 200, page


@pytest.mark.django_db(transaction=True)
def test_the_migration_brings_stored_absurd_figures_within_bounds(world):
    """A database holding figures stored before the bounds migrates without error: counts are
    brought down to the maxima, fees recomputed, a validated affiliation goes back to
    "submitted" for the secretariat to check, and the history says why."""
    affiliation = world.own_affiliation
    executor = MigrationExecutor(connection)
    before = [("cooperatives", "0002_importbatch")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("cooperatives", "Affiliation")
    old.objects.filter(pk=affiliation.pk).update(
        pupils=10**9 if connection.vendor == "postgresql" else 10**12, adults=3, classes=8
    )
    old.objects.filter(pk=world.other_affiliation.pk).update(fee_adults=Decimal("-5"))

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    affiliation.refresh_from_db()
    assert (affiliation.pupils, affiliation.adults, affiliation.classes) == (MAX_PUPILS, 3, 8)
    association = Association.get()
    assert affiliation.fee_pupils == MAX_PUPILS * association.pupil_rate
    assert affiliation.status == Affiliation.Status.SUBMITTED
    record = affiliation.history.first()
    assert "hors bornes" in record.history_change_reason
    other = Affiliation.objects.get(pk=world.other_affiliation.pk)
    assert other.fee_adults == other.adults * association.adult_rate
    assert other.is_validated is False
