"""The selection proposal, rule by rule at its boundary, deterministic, in constant queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from actions import selection
from actions.models import ClassRegistration, Intervention
from occe.core.models import SchoolYear
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CirconscriptionFactory, CooperativeFactory

from .factories import (
    ClassRegistrationFactory,
    EditionFactory,
    InterventionFactory,
)

pytestmark = pytest.mark.django_db


def day(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=30 - n)


def register(edition, n, **kwargs):
    """The n-th registration (registered n days into the window)."""
    kwargs.setdefault("registered_at", day(n))
    return ClassRegistrationFactory(edition=edition, class_name=f"Classe {n}", **kwargs)


def names(candidates) -> list[str]:
    return [c.registration.class_name for c in candidates]


@pytest.fixture
def sector():
    return CirconscriptionFactory(name="Laon")


def test_rule_1_a_teacher_already_served_for_this_action_is_not_proposed(sector):
    edition = EditionFactory(capacity=5)
    last_year = EditionFactory(
        action=edition.action, school_year=SchoolYear.objects.current().previous()
    )
    served = UserFactory(first_name="Anne", last_name="Martin")
    InterventionFactory(registration__edition=last_year, registration__teacher=served)
    # Another action's intervention does not count for rule 1.
    other_teacher = UserFactory()
    InterventionFactory(registration__teacher=other_teacher)
    coop = CooperativeFactory(circonscription=sector)
    register(edition, 1, teacher=served, cooperative=coop)
    register(edition, 2, teacher=other_teacher, cooperative=coop)

    proposal = selection.propose(edition)

    assert names(proposal.proposed) == ["Classe 2"]
    (left,) = proposal.left_out
    assert left.excluded
    assert "Anne Martin a déjà eu des interventions" in left.reason and "règle 1" in left.reason


def test_rule_1_a_cancelled_intervention_does_not_count():
    edition = EditionFactory(capacity=5)
    last_year = EditionFactory(
        action=edition.action, school_year=SchoolYear.objects.current().previous()
    )
    teacher = UserFactory()
    InterventionFactory(
        registration__edition=last_year,
        registration__teacher=teacher,
        status=Intervention.Status.ANNULEE,
    )
    register(edition, 1, teacher=teacher)
    assert names(selection.propose(edition).proposed) == ["Classe 1"]


def test_rule_2_coops_never_served_come_first(sector):
    edition = EditionFactory(capacity=1)
    served_coop = CooperativeFactory(circonscription=sector)
    InterventionFactory(registration__cooperative=served_coop)  # any action
    register(edition, 1, cooperative=served_coop, whole_team=True)
    register(edition, 2, cooperative=CooperativeFactory(circonscription=sector))

    proposal = selection.propose(edition)

    assert names(proposal.proposed) == ["Classe 2"]
    assert "sans intervention de l'association" in proposal.proposed[0].reason
    assert "règle 2" in proposal.left_out[0].reason


def test_rule_2_counts_interventions_outside_actions(sector):
    edition = EditionFactory(capacity=1)
    coop = CooperativeFactory(circonscription=sector)
    first = InterventionFactory()
    Intervention.objects.create(
        theme="Philo",
        cooperative=coop,
        intervenant=first.intervenant,
        starts_at=first.starts_at - datetime.timedelta(days=30),
        ends_at=first.ends_at - datetime.timedelta(days=30),
    )
    register(edition, 1, cooperative=coop)
    register(edition, 2, cooperative=CooperativeFactory(circonscription=sector))
    assert names(selection.propose(edition).proposed) == ["Classe 2"]


def test_rule_3_whole_team_motivation_next(sector):
    edition = EditionFactory(capacity=1)
    register(edition, 1, cooperative=CooperativeFactory(circonscription=sector))
    register(edition, 2, cooperative=CooperativeFactory(circonscription=sector), whole_team=True)

    proposal = selection.propose(edition)

    assert names(proposal.proposed) == ["Classe 2"]
    assert "toute l'équipe de l'école s'engage" in proposal.proposed[0].reason
    assert "règle 3" in proposal.left_out[0].reason


def test_rule_4_classes_grouped_by_sector():
    edition = EditionFactory(capacity=2)
    laon, soissons = CirconscriptionFactory(name="Laon"), CirconscriptionFactory(name="Soissons")
    register(edition, 1, cooperative=CooperativeFactory(circonscription=laon))
    register(edition, 2, cooperative=CooperativeFactory(circonscription=soissons))
    register(edition, 3, cooperative=CooperativeFactory(circonscription=soissons))

    proposal = selection.propose(edition)

    # Soissons's two classes make one animator's day, though Laon registered first.
    assert names(proposal.proposed) == ["Classe 2", "Classe 3"]
    assert proposal.sectors() == [("circonscription Soissons", 2)]
    assert "règle 4" in proposal.left_out[0].reason
    assert "circonscription Soissons (2 classe(s) proposée(s))" in proposal.proposed[0].reason


def test_rule_4_the_commune_is_the_sector_without_a_circonscription():
    edition = EditionFactory(capacity=2)
    register(edition, 1, cooperative=CooperativeFactory(circonscription=None, commune="Hirson"))
    register(edition, 2, cooperative=CooperativeFactory(circonscription=None, commune="Guise"))
    register(edition, 3, cooperative=CooperativeFactory(circonscription=None, commune="Guise"))
    proposal = selection.propose(edition)
    assert proposal.sectors() == [("commune Guise", 2)]


def test_rule_5_ties_broken_by_registration_date(sector):
    edition = EditionFactory(capacity=1)
    register(edition, 2, cooperative=CooperativeFactory(circonscription=sector))
    register(edition, 1, cooperative=CooperativeFactory(circonscription=sector))

    proposal = selection.propose(edition)

    assert names(proposal.proposed) == ["Classe 1"]
    assert "règle 5" in proposal.left_out[0].reason


def test_participating_classes_take_their_places(sector):
    edition = EditionFactory(capacity=2)
    register(edition, 1, status=ClassRegistration.Status.PARTICIPANTE)
    register(edition, 2, cooperative=CooperativeFactory(circonscription=sector))
    register(edition, 3, cooperative=CooperativeFactory(circonscription=sector))
    proposal = selection.propose(edition)
    assert proposal.free == 1 and names(proposal.proposed) == ["Classe 2"]


def test_the_proposal_is_deterministic_and_takes_constant_queries(
    django_assert_num_queries,
):
    edition = EditionFactory(capacity=10)
    sectors = [CirconscriptionFactory(name=f"Secteur {n}") for n in range(4)]
    moment = timezone.now() - datetime.timedelta(days=5)
    for n in range(30):
        # Equal registration moments: the number breaks the tie, so the order is total.
        register(
            edition,
            n,
            cooperative=CooperativeFactory(circonscription=sectors[n % 4]),
            whole_team=n % 3 == 0,
            registered_at=moment,
        )
    InterventionFactory(registration__cooperative=CooperativeFactory())

    with django_assert_num_queries(3):
        first = selection.propose(edition)
        [c.reason for c in first.candidates]
    second = selection.propose(edition)
    assert [(c.registration.pk, c.proposed, c.reason) for c in first.candidates] == [
        (c.registration.pk, c.proposed, c.reason) for c in second.candidates
    ]
    assert len(first.proposed) == 10


def test_staff_adjust_and_confirm_the_selection(client, sector):
    edition = EditionFactory(capacity=1)
    last_year = EditionFactory(
        action=edition.action, school_year=SchoolYear.objects.current().previous()
    )
    served = UserFactory()
    InterventionFactory(registration__edition=last_year, registration__teacher=served)
    first = register(edition, 1, cooperative=CooperativeFactory(circonscription=sector))
    second = register(edition, 2, cooperative=CooperativeFactory(circonscription=sector))
    excluded = register(edition, 3, teacher=served)
    client.force_login(UserFactory(animation=True))
    url = reverse("actions:selection", args=[edition.pk])
    page = client.get(url).content.decode()
    assert f'value="{first.pk}" id="retenue-{first.pk}" checked' in page

    # Staff prefer the second class.
    client.post(url, {"retenue": [str(second.pk)]})

    statuses = dict(edition.registrations.values_list("pk", "status"))
    assert statuses == {first.pk: "attente", second.pk: "retenue", excluded.pk: "non_retenue"}


def test_the_board_reads_the_proposal_but_cannot_confirm(client):
    edition = EditionFactory()
    register(edition, 1)
    client.force_login(UserFactory(administrateur=True))
    url = reverse("actions:selection", args=[edition.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 403
