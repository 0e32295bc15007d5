import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from cooperatives.models import Cooperative, Mandate, validate_uai
from occe.accounts.models import Role, User
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import (
    AffiliationFactory,
    CirconscriptionFactory,
    CooperativeFactory,
    MandateFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("uai", ["0951099D", "0920001B", "0951099d"])
def test_valid_uai(uai):
    validate_uai(uai)


@pytest.mark.parametrize(
    ("uai", "message"),
    [
        ("0951099E", "la lettre de contrôle devrait être D"),
        ("095109D", "7 chiffres suivis d'une lettre"),
        ("09510991", "7 chiffres suivis d'une lettre"),
        ("", "7 chiffres suivis d'une lettre"),
    ],
)
def test_invalid_uai_is_explained(uai, message):
    with pytest.raises(ValidationError) as error:
        validate_uai(uai)
    assert message in str(error.value)


def _coop_data(**changes):
    data = {
        "number": "92999",
        "uai": "0951099D",
        "name": "École Voltaire",
        "type": "maternelle",
        "address": "3 rue Voltaire",
        "postal_code": "92000",
        "commune": "Nanterre",
        "priority_education": "REP",
        "software": "",
    }
    data.update(changes)
    return data


def test_secretariat_creates_a_cooperative(world, client):
    client.force_login(world.users["secretariat"])
    response = client.post(reverse("cooperatives:create"), _coop_data(uai="0951099d"))
    coop = Cooperative.objects.get(number="92999")
    assert response["Location"] == reverse("cooperatives:detail", args=[coop.pk])
    assert coop.uai == "0951099D" and coop.priority_education == "REP"


def test_a_wrong_uai_or_a_taken_number_is_explained_and_the_input_kept(world, client):
    client.force_login(world.users["secretariat"])
    response = client.post(
        reverse("cooperatives:create"),
        _coop_data(number=world.own_coop.number, uai="0951099E"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "la lettre de contrôle devrait être D" in page
    assert "Ce numéro est déjà attribué à une autre coopérative." in page
    assert 'value="École Voltaire"' in page


def test_a_cooperative_is_struck_off_then_reinstated_never_deleted(world, client):
    client.force_login(world.users["secretariat"])
    coop = world.own_coop
    client.post(
        reverse("cooperatives:strike_off", args=[coop.pk]),
        {"date": "2025-06-30", "reason": "Fermeture de l'école"},
    )
    coop.refresh_from_db()
    assert coop.status == Cooperative.Status.RADIEE
    assert coop.struck_off_on == datetime.date(2025, 6, 30)
    page = client.get(reverse("cooperatives:detail", args=[coop.pk])).content.decode()
    assert "Radiée le 30 juin 2025 : Fermeture de l" in page

    client.post(reverse("cooperatives:reinstate", args=[coop.pk]))
    coop.refresh_from_db()
    assert coop.status == Cooperative.Status.ACTIVE and coop.struck_off_reason == ""
    with pytest.raises(ValidationError):
        coop.delete()
    # Each change is in the history, with who made it.
    assert coop.history.filter(history_user=world.users["secretariat"]).count() == 2


def test_detail_shows_identity_affiliations_mandataires_and_history(world, client):
    client.force_login(world.users["animation"])
    page = client.get(reverse("cooperatives:detail", args=[world.own_coop.pk])).content.decode()
    assert world.own_coop.uai in page
    assert world.users["mandataire"].email in page
    assert "Validée" in page
    assert "Historique des modifications" in page
    assert "Création" in page


def test_a_mandataire_sees_their_coop_without_staff_notes(world, client):
    client.force_login(world.users["mandataire"])
    page = client.get(reverse("cooperatives:detail", args=[world.own_coop.pk])).content.decode()
    assert world.own_coop.name in page
    assert "Accompagnement" not in page and "Historique des modifications" not in page


def test_changing_the_mandataire_is_a_dated_event_that_invites_the_new_one(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.users["secretariat"])
    previous = world.own_mandate
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("cooperatives:mandate_create", args=[world.own_coop.pk]),
            {
                "email": "nouveau@exemple.fr",
                "first_name": "Paul",
                "last_name": "Durand",
                "kind": "principal",
                "start_date": "2025-01-06",
            },
        )
    assert response.status_code == 302
    previous.refresh_from_db()
    assert previous.end_date == datetime.date(2025, 1, 5)
    new = Mandate.objects.get(user__email="nouveau@exemple.fr")
    assert new.start_date == datetime.date(2025, 1, 6) and new.user.role == Role.MANDATAIRE
    assert [m.to for m in mail.outbox] == [["nouveau@exemple.fr"]]
    # The former mandataire no longer sees the cooperative; the new one does.
    assert not Cooperative.objects.visible_to(world.users["mandataire"]).exists()
    assert list(Cooperative.objects.visible_to(new.user)) == [world.own_coop]


def test_a_co_mandataire_does_not_replace_the_principal(world, client):
    client.force_login(world.users["secretariat"])
    client.post(
        reverse("cooperatives:mandate_create", args=[world.own_coop.pk]),
        {
            "email": "co@exemple.fr",
            "first_name": "Ana",
            "last_name": "Lopez",
            "kind": "co",
            "start_date": "2025-01-06",
        },
    )
    assert len(Mandate.objects.current().filter(cooperative=world.own_coop)) == 2


def test_staff_accounts_cannot_become_mandataires(world, client):
    client.force_login(world.users["secretariat"])
    response = client.post(
        reverse("cooperatives:mandate_create", args=[world.own_coop.pk]),
        {
            "email": world.users["animation"].email,
            "first_name": "A",
            "last_name": "B",
            "kind": "principal",
            "start_date": "2025-01-06",
        },
    )
    assert "appartient à un compte de l" in response.content.decode()


def test_ending_a_mandate(world, client):
    client.force_login(world.users["secretariat"])
    url = reverse("cooperatives:mandate_end", args=[world.own_coop.pk, world.own_mandate.pk])
    response = client.post(url, {"end_date": "2019-01-01"})
    assert "La fin du mandat précède son début." in response.content.decode()
    client.post(url, {"end_date": "2025-03-31", "reason": "Mutation"})
    world.own_mandate.refresh_from_db()
    assert world.own_mandate.end_date == datetime.date(2025, 3, 31)
    assert world.own_mandate.end_reason == "Mutation"


def test_staff_log_an_accompaniment(world, client):
    client.force_login(world.users["animation"])
    client.post(
        reverse("cooperatives:accompaniment_create", args=[world.own_coop.pk]),
        {"date": "2025-02-03", "channel": "telephone", "topic": "banque", "notes": "Carte bloquée"},
    )
    entry = world.own_coop.accompaniments.get()
    assert entry.staff == world.users["animation"] and entry.get_topic_display() == "Banque"
    page = client.get(reverse("cooperatives:detail", args=[world.own_coop.pk])).content.decode()
    assert "3 février 2025" in page and "Carte bloquée" in page


class TestList:
    @pytest.fixture
    def coops(self, world):
        circ = CirconscriptionFactory(name="Antony")
        a = CooperativeFactory(
            number="92100",
            name="Maternelle Les Lilas",
            commune="Antony",
            type="maternelle",
            circonscription=circ,
            priority_education="REP+",
        )
        b = CooperativeFactory(number="92200", name="Élémentaire Pasteur", commune="Sceaux")
        MandateFactory(cooperative=b, user=UserFactory(mandataire=True, last_name="Zidane"))
        AffiliationFactory(cooperative=a, school_year=world.year, pupils=90)
        return a, b

    def _names(self, client, **params):
        response = client.get(reverse("cooperatives:list"), params)
        return response, [c.name for c in response.context["page"].object_list]

    def test_search_by_name_number_uai_commune_and_mandataire(self, world, client, coops):
        a, b = coops
        client.force_login(world.users["secretariat"])
        assert self._names(client, q="lilas")[1] == [a.name]
        assert self._names(client, q="92200")[1] == [b.name]
        assert self._names(client, q=a.uai.lower())[1] == [a.name]
        assert self._names(client, q="sceaux")[1] == [b.name]
        assert self._names(client, q="zidane")[1] == [b.name]

    def test_filters_and_sort(self, world, client, coops):
        a, b = coops
        client.force_login(world.users["secretariat"])
        assert self._names(client, type="maternelle")[1] == [a.name]
        assert self._names(client, priority_education="REP+")[1] == [a.name]
        assert self._names(client, circonscription=a.circonscription_id)[1] == [a.name]
        # "a" has a draft: not affiliated yet ("affiliée" means validated), but started.
        year = world.year.label
        not_affiliated = self._names(client, affiliee="non", annee=year)[1]
        assert a.name in not_affiliated and b.name in not_affiliated
        assert self._names(client, affiliee="brouillon", annee=year)[1] == [a.name]
        assert b.name in self._names(client, affiliee="non_commencee", annee=year)[1]
        assert a.name not in self._names(client, affiliee="oui", annee=year)[1]
        names = self._names(client, tri="-nom")[1]
        assert names == sorted(names, reverse=True)

    def test_htmx_gets_only_the_results(self, world, client, coops):
        client.force_login(world.users["secretariat"])
        response = client.get(
            reverse("cooperatives:list"), {"q": "lilas"}, headers={"HX-Request": "true"}
        )
        page = response.content.decode()
        assert "<html" not in page and "Maternelle Les Lilas" in page
        full = client.get(reverse("cooperatives:list"), {"q": "lilas"}).content.decode()
        assert "<html" in full and 'value="lilas"' in full

    def test_a_mandataire_lists_only_their_cooperative(self, world, client, coops):
        client.force_login(world.users["mandataire"])
        assert self._names(client)[1] == [world.own_coop.name]
        assert self._names(client, q="lilas")[1] == []

    def test_pagination(self, world, client):
        CooperativeFactory.create_batch(60)
        client.force_login(world.users["secretariat"])
        response, names = self._names(client, page=2)
        assert len(names) == 12 and "Page 2 sur 2" in response.content.decode()


def test_mandataire_role_is_kept_for_enseignant_promoted(world):
    teacher = world.users["enseignant"]
    from cooperatives.services import appoint_mandataire

    appoint_mandataire(
        world.other_coop,
        email=teacher.email,
        first_name="",
        last_name="",
        kind="co",
        start_date=datetime.date(2025, 1, 1),
    )
    assert User.objects.get(pk=teacher.pk).role == Role.MANDATAIRE


def test_a_co_mandataire_promoted_principal_gets_a_principal_mandate(world):
    from cooperatives.services import appoint_mandataire

    co = MandateFactory(cooperative=world.own_coop, kind="co", user__email="co@exemple.fr")
    appoint_mandataire(
        world.own_coop,
        email="co@exemple.fr",
        first_name="",
        last_name="",
        kind="principal",
        start_date=datetime.date(2025, 3, 1),
    )
    current = Mandate.objects.current(datetime.date(2025, 3, 1)).filter(cooperative=world.own_coop)
    assert [(m.user.email, m.kind) for m in current] == [("co@exemple.fr", "principal")]
    co.refresh_from_db()
    assert co.end_date == datetime.date(2025, 2, 28)
    world.own_mandate.refresh_from_db()
    assert world.own_mandate.end_date == datetime.date(2025, 2, 28)


def test_french_wording_of_the_filters_and_forms(world, client):
    """Issue 3.13: "Circonscription : Toutes", never Django's "---------"."""
    client.force_login(world.users["secretariat"])
    form = client.get(reverse("cooperatives:list")).context["filter"].form
    empty = {name: str(form[name]).split("</option>")[0].rsplit(">", 1)[1] for name in form.fields
             if name != "q"}  # fmt: skip
    assert empty == {
        "type": "Tous",
        "circonscription": "Toutes",
        "priority_education": "Toutes les écoles",
        "status": "Tous",
        "affiliee": "Toutes",
    }
    for page in [
        reverse("cooperatives:create"),
        reverse("cooperatives:detail", args=[world.own_coop.pk]),
        reverse("cooperatives:affiliation", args=[world.own_coop.pk, world.year.label]),
    ]:
        assert "---------" not in client.get(page).content.decode(), page
