"""Issue 3.8: histories show names, never raw ids; the association page shows labels."""

import pytest
from django.urls import reverse

from cooperatives.models import Affiliation
from occe.core.history import history_events
from occe.core.models import Association
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import AffiliationFactory

pytestmark = pytest.mark.django_db


def test_a_foreign_key_change_shows_the_person(world, client):
    mandataire = world.users["mandataire"]
    affiliation = AffiliationFactory(cooperative=world.own_coop, school_year=world.year.previous())
    affiliation.submit(mandataire)
    client.force_login(world.users["secretariat"])
    page = client.get(reverse("cooperatives:detail", args=[world.own_coop.pk])).content.decode()
    assert f"soumise par : « — » → « {mandataire.get_full_name()} »" in page
    assert f"→ « {mandataire.pk} »" not in page


def test_names_are_fetched_once_per_model(world, django_assert_num_queries):
    users = UserFactory.create_batch(5, secretariat=True)
    affiliation = AffiliationFactory(cooperative=world.own_coop, school_year=world.year.previous())
    for user in users:  # five validations by five people: five user ids to name
        affiliation.validate(user)
        affiliation.reopen()
    records = list(Affiliation.history.filter(id=affiliation.pk).order_by("history_date"))
    # The coop, the year and the users: one query per model, not one per record.
    with django_assert_num_queries(3):
        events = history_events(records, Affiliation)
    names = {c["new"] for e in events for c in e["changes"] if c["field"] == "validée par"}
    assert names == {str(user) for user in users} | {"—"}


def test_the_association_page_shows_labels_not_codes(world, client):
    association = Association.get()
    association.status = Association.Status.INTERET_GENERAL
    association.save()
    client.force_login(world.users["administrateur"])  # the read-only view
    page = client.get(reverse("core:association")).content.decode()
    assert "interet_general" not in page
    assert "Association loi 1901 d&#x27;intérêt général" in page
