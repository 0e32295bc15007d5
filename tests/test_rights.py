"""Who may do what is defined once: each write scope (`editable_by(user)`) selects exactly the
objects whose rule (`can_be_edited_by(user)`) says yes, for every role of the URL walk."""

import pytest

from cooperatives.models import Affiliation, Cooperative
from finances.models import DonationRequest
from occe.association.models import Meeting, Newsletter, Partner, Person, WorkingGroup
from occe.core.mailings import Mailing
from occe.core.models import SchoolYear
from prets.models import Order, Reservation
from tests.association.factories import (
    MeetingFactory,
    NewsletterFactory,
    PartnerFactory,
    PersonFactory,
    WorkingGroupFactory,
)
from tests.cooperatives.factories import AffiliationFactory
from tests.finances.factories import DonationRequestFactory
from tests.prets.factories import OrderFactory, ReservationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(world):
    next_year, _ = SchoolYear.objects.get_or_create(start_year=world.year.start_year + 1)
    for coop in (world.own_coop, world.other_coop):
        DonationRequestFactory(cooperative=coop)
        DonationRequestFactory(cooperative=coop, submitted=True)
        AffiliationFactory(cooperative=coop, school_year=next_year)
        OrderFactory(cooperative=coop)
        ReservationFactory(cooperative=coop)
    PersonFactory()
    MeetingFactory()
    WorkingGroupFactory()
    PartnerFactory()
    NewsletterFactory()
    NewsletterFactory(status=Mailing.Status.DONE)
    return world


WRITTEN = [Cooperative, Affiliation, DonationRequest, Order, Reservation]
WRITTEN += [Person, Meeting, WorkingGroup, Partner, Newsletter]


@pytest.mark.parametrize("model", WRITTEN, ids=lambda model: model.__name__)
def test_the_write_scope_is_the_rule(objects, model):
    for role, user in objects.users.items():
        scope = set(model.objects.editable_by(user))
        ruled = {obj for obj in model.objects.all() if obj.can_be_edited_by(user)}
        assert scope == ruled, role
        # Nothing writable is out of sight.
        assert scope <= set(model.objects.visible_to(user)), role


def test_has_mandataire_is_about_a_mandate_not_the_role(world):
    mandataire = world.users["mandataire"]
    assert world.own_coop.has_mandataire(mandataire)
    assert not world.other_coop.has_mandataire(mandataire)
    assert not world.own_coop.has_mandataire(world.users["secretariat"])
