"""Pages of loans and sales: the catalogue's availability grid and filters, photos checked by
their content, the staff's forms, scopes of the lists, query counts pinned."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from prets.availability import week_start
from prets.models import Condition, Reservation, Resource, ResourceKind, ResourcePhoto, Theme
from tests.accounts.factories import UserFactory

from .factories import (
    CopyFactory,
    OrderLineFactory,
    ProductFactory,
    ReservationFactory,
    ResourceFactory,
    add_photo,
    image_bytes,
)

DAY = datetime.timedelta(days=1)
pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


# --- Catalogue -------------------------------------------------------------------------------


def test_the_catalogue_shows_each_copy_day_by_day(client, world):
    resource = ResourceFactory(title="Kit caméra et prise de son", checking_delay_days=2)
    free, lent = (CopyFactory(resource=resource, inventory_number=f"CAM-0{n}") for n in (1, 2))
    broken = CopyFactory(resource=resource, inventory_number="CAM-03", condition="hors_service")
    monday = week_start(today())
    ReservationFactory(copy=lent, start_date=monday + 7 * DAY, end_date=monday + 9 * DAY)
    client.force_login(world.users["mandataire"])

    response = client.get(reverse("prets:catalogue"))

    assert response.status_code == 200
    rows = {row.copy: row.cells for row in response.context["page"][0].grid_rows}
    assert [cell.day for cell in rows[free]][0] == monday
    assert len(rows[free]) == 35
    assert {cell.state for cell in rows[free]} == {"libre"}
    states = [cell.state for cell in rows[lent]]
    # Lent from day 7 to day 9, checked on day 10, free again on day 11 (9 + 2 days' delay).
    assert states[6:12] == ["libre", "reserve", "reserve", "reserve", "verification", "libre"]
    assert {cell.state for cell in rows[broken]} == {"hors_service"}
    page = response.content.decode()
    assert "Kit caméra et prise de son" in page
    assert f'title="{(monday + 7 * DAY).day} ' in page  # each day says its state


def test_the_grid_moves_by_five_weeks_and_filters_by_kind_and_action(client, world):
    theme = Theme.objects.create(name="Les Écoles qui filment")
    camera = ResourceFactory(title="Kit caméra", kind=ResourceKind.PRISE_DE_VUE)
    camera.themes.add(theme)
    ResourceFactory(title="Loto des émotions", kind=ResourceKind.LOTO)
    ResourceFactory(title="Malle retirée", on_catalogue=False)
    client.force_login(world.users["enseignant"])

    titles = lambda response: [r.title for r in response.context["page"]]  # noqa: E731
    assert titles(client.get(reverse("prets:catalogue"))) == ["Kit caméra", "Loto des émotions"]
    assert titles(client.get(reverse("prets:catalogue"), {"kind": "loto"})) == ["Loto des émotions"]
    assert titles(client.get(reverse("prets:catalogue"), {"theme": theme.pk})) == ["Kit caméra"]
    later = client.get(reverse("prets:catalogue"), {"du": "2031-03-05"})
    assert later.context["grid"].first == datetime.date(2031, 3, 3)  # the Monday
    assert later.context["next_start"] == "2031-04-07"
    client.force_login(world.users["animation"])
    assert "Malle retirée" in titles(client.get(reverse("prets:catalogue")))


CATALOGUE_QUERIES = 8  # session, user, count, page, themes, copies, photos, grid; + filter form


@pytest.mark.parametrize("resources", [2, 12])
def test_the_catalogue_runs_the_same_queries_whatever_its_size(
    client, world, resources, django_assert_num_queries
):
    for n in range(resources):
        resource = ResourceFactory()
        resource.themes.add(Theme.objects.get_or_create(name=f"Action {n % 3}")[0])
        for m in range(3):
            copy = CopyFactory(resource=resource)
            ReservationFactory(copy=copy, start_date=today() + (m * 4) * DAY)
    add_photo(resource, world.users["secretariat"])
    client.force_login(world.users["mandataire"])
    with django_assert_num_queries(CATALOGUE_QUERIES + 1):
        response = client.get(reverse("prets:catalogue"))
    assert len(response.context["page"]) == resources


def test_the_resource_page_offers_the_reservation_form_to_who_may_reserve(client, world):
    resource = ResourceFactory(contents=[("Caméra", 1), ("Batterie", 2)])
    CopyFactory(resource=resource)
    client.force_login(world.users["mandataire"])
    page = client.get(reverse("prets:resource_detail", args=[resource.pk])).content.decode()
    assert "Demander la réservation" in page and "2 × Batterie" in page
    assert "École des Tilleuls" in page and "École des Peupliers" not in page  # own coop only
    client.force_login(world.users["administrateur"])
    page = client.get(reverse("prets:resource_detail", args=[resource.pk])).content.decode()
    assert "Demander la réservation" not in page


def test_a_refused_reservation_offers_the_next_free_dates_in_one_click(client, world):
    resource = ResourceFactory(checking_delay_days=2)
    copy = CopyFactory(resource=resource, inventory_number="CAM-01")
    taken = ReservationFactory(copy=copy, start_date=today() + 10 * DAY)
    client.force_login(world.users["mandataire"])
    data = {
        "cooperative": world.own_coop.pk,
        "start_date": (today() + 12 * DAY).isoformat(),
        "end_date": (today() + 15 * DAY).isoformat(),
        "copy": copy.pk,
    }

    response = client.post(reverse("prets:reserve", args=[resource.pk]), data)

    assert response.status_code == 200
    proposal = response.context["proposals"][0]
    assert proposal.start == taken.available_again_on
    page = response.content.decode()
    assert "L&#x27;exemplaire CAM-01 n&#x27;est libre du" in page
    assert "Réserver ces dates" in page
    data.update(start_date=proposal.start.isoformat(), end_date=proposal.end.isoformat())
    response = client.post(reverse("prets:reserve", args=[resource.pk]), data)
    reservation = Reservation.objects.get(cooperative=world.own_coop)
    assert response.url == reverse("prets:reservation_detail", args=[reservation.pk])
    assert reservation.requested_by == world.users["mandataire"]


def test_a_mandataire_cannot_reserve_for_another_coop(client, world):
    resource = ResourceFactory()
    CopyFactory(resource=resource)
    client.force_login(world.users["mandataire"])
    start = today() + 3 * DAY
    response = client.post(
        reverse("prets:reserve", args=[resource.pk]),
        {
            "cooperative": world.other_coop.pk,
            "start_date": start.isoformat(),
            "end_date": (start + 2 * DAY).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "cooperative" in response.context["form"].errors
    assert not Reservation.objects.exists()


# --- Photos ----------------------------------------------------------------------------------


def upload(client, resource, content: bytes, name="photo.jpg"):
    return client.post(
        reverse("prets:photo_add", args=[resource.pk]),
        {"image": SimpleUploadedFile(name, content), "description": "Le kit ouvert"},
        follow=True,
    )


def test_a_photo_is_checked_by_its_content_and_reencoded(client, world, settings):
    resource = ResourceFactory()
    client.force_login(world.users["secretariat"])
    exif = Image.Exif()
    exif[0x010E] = "École Jean Jaurès, 48.8925 N 2.2069 E"  # what a phone may write
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 120, 40)).save(buffer, "JPEG", exif=exif)

    upload(client, resource, buffer.getvalue())

    photo = ResourcePhoto.objects.get(resource=resource)
    with photo.image.open("rb") as handle:
        stored = Image.open(handle)
        assert stored.format == "JPEG" and max(stored.size) == 1600
        assert not stored.getexif()  # the original's metadata are gone
    with photo.thumbnail.open("rb") as handle:
        assert max(Image.open(handle).size) == 400
    assert str(settings.MEDIA_ROOT) in photo.image.path and "private/" in photo.image.name
    response = client.get(reverse("prets:photo", args=[photo.pk, "vignette"]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not an image", "n'est pas une image lisible"),
        (b"GIF89a" + image_bytes("GIF")[6:], "n'est pas une photo JPEG, PNG ou WebP"),
        (image_bytes("PNG")[:40], "n'est pas une image lisible"),
        (b"\x89PNG" + b"\0" * (5 * 1024 * 1024 + 1), "dépasse 5 Mo"),
    ],
    ids=["pdf", "gif", "truncated", "too-large"],
)
def test_what_is_not_a_photo_is_refused(client, world, content, message):
    resource = ResourceFactory()
    client.force_login(world.users["animation"])
    response = upload(client, resource, content, name="photo.png")
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ResourcePhoto.objects.exists()


def test_an_image_too_big_to_decode_is_refused(client, world):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # 81 megapixels, a few kilobytes
    resource = ResourceFactory()
    client.force_login(world.users["secretariat"])
    response = upload(client, resource, buffer.getvalue(), name="bombe.png")
    assert "trop grande" in response.content.decode()
    assert not ResourcePhoto.objects.exists()


def test_a_photo_is_served_to_who_sees_its_resource_only(client, world):
    hidden = ResourceFactory(on_catalogue=False)
    photo = add_photo(hidden, world.users["secretariat"])
    client.force_login(world.users["mandataire"])
    assert client.get(reverse("prets:photo", args=[photo.pk, "grande"])).status_code == 404
    client.force_login(world.users["animation"])
    assert client.get(reverse("prets:photo", args=[photo.pk, "grande"])).status_code == 200
    assert client.get(reverse("prets:photo", args=[photo.pk, "autre"])).status_code == 404


# --- Staff forms -----------------------------------------------------------------------------


def test_staff_describe_a_resource_with_its_contents_and_actions(client, world):
    Theme.objects.create(name="THEA")
    client.force_login(world.users["animation"])
    response = client.post(
        reverse("prets:resource_create"),
        {
            "kind": ResourceKind.JEUX,
            "title": "Jeux coopératifs",
            "themes": [Theme.objects.get().pk],
            "new_themes": "Cause des enfants, Défimaths",
            "contents_text": "8 × Jeu de plateau\n2x Dé géant\nCatalogue de jeux\n",
            "max_loan_days": "21",
            "checking_delay_days": "2",
            "borrowers": "cooperatives",
            "on_catalogue": "on",
        },
    )
    resource = Resource.objects.get()
    assert response.url == reverse("prets:resource_detail", args=[resource.pk])
    assert [str(item) for item in resource.contents.all()] == [
        "8 × Jeu de plateau",
        "2 × Dé géant",
        "Catalogue de jeux",
    ]
    assert sorted(resource.themes.values_list("name", flat=True)) == [
        "Cause des enfants",
        "Défimaths",
        "THEA",
    ]
    response = client.post(
        reverse("prets:resource_edit", args=[resource.pk]),
        {
            "kind": "loto",
            "title": "X",
            "contents_text": "600 × Jeton",
            "max_loan_days": "400",
            "checking_delay_days": "0",
            "borrowers": "cooperatives",
        },
    )
    errors = response.context["form"].errors
    assert "la quantité va de 1 à 500" in str(errors["contents_text"])
    assert "max_loan_days" in errors and "checking_delay_days" in errors


def test_a_copy_put_out_of_service_is_recorded_in_its_history(client, world):
    copy = CopyFactory()
    client.force_login(world.users["secretariat"])
    client.post(
        reverse("prets:copy_edit", args=[copy.pk]),
        {
            "inventory_number": copy.inventory_number,
            "condition": "hors_service",
            "location": "Réserve",
        },
    )
    copy.refresh_from_db()
    assert copy.condition == Condition.HORS_SERVICE
    page = client.get(reverse("prets:copy_detail", args=[copy.pk])).content.decode()
    assert "« Bon » → « Hors service »" in page


# --- Lists: scope and query counts -----------------------------------------------------------


def test_a_mandataire_lists_only_their_coops_reservations_and_orders(client, world):
    own = ReservationFactory(cooperative=world.own_coop)
    ReservationFactory(cooperative=world.other_coop)
    own_order = OrderLineFactory(order__cooperative=world.own_coop).order
    OrderLineFactory(order__cooperative=world.other_coop)
    client.force_login(world.users["mandataire"])
    listed = client.get(reverse("prets:reservation_list")).context["page"].object_list
    assert list(listed) == [own]
    orders = client.get(reverse("prets:order_list")).context["page"].object_list
    assert list(orders) == [own_order]


@pytest.mark.parametrize("count", [3, 30])
def test_list_pages_run_the_same_queries_whatever_the_rows(
    client, world, count, django_assert_num_queries
):
    product = ProductFactory()
    for n in range(count):
        copy = CopyFactory()
        coop = world.own_coop if n % 2 else world.other_coop
        ReservationFactory(
            copy=copy, cooperative=coop, start_date=today() - 20 * DAY, handed_over=True
        )
        OrderLineFactory(order__cooperative=coop, product=product)
    secretary = world.users["secretariat"]
    client.force_login(secretary)
    client.get(reverse("home"))  # the session's first request also records its 2FA check
    # session, user, MFA, count, page, coops of the filter (+ reminders for the overdue page)
    for name, queries in [
        ("prets:reservation_list", 5),
        ("prets:order_list", 5),
        ("prets:overdue", 4),
        ("prets:today", 5),
    ]:
        with django_assert_num_queries(queries):
            assert client.get(reverse(name)).status_code == 200
    client.force_login(world.users["mandataire"])
    for name in ["prets:reservation_list", "prets:order_list"]:
        with django_assert_num_queries(5):
            assert client.get(reverse(name)).status_code == 200


def test_staff_and_mandataires_have_their_home_cards(rf, world):
    from prets.navigation import home_cards

    ReservationFactory(cooperative=world.own_coop)  # requested
    ReservationFactory(cooperative=world.own_coop, start_date=today() - 20 * DAY, handed_over=True)
    OrderLineFactory(order__cooperative=world.own_coop)
    request = rf.get("/")
    request.user = world.users["secretariat"]
    cards = {card.label: card for card in home_cards(request)}
    assert cards["Réservations à confirmer"].value == 1
    assert cards["Prêts en retard"].value == 1
    assert cards["Commandes à préparer"].value == 1
    request.user = world.users["animation"]
    assert "Commandes à préparer" not in {card.label for card in home_cards(request)}
    request.user = world.users["mandataire"]
    card = {card.label: card for card in home_cards(request)}["Prêts en cours de ma coopérative"]
    assert card.value == 2 and card.url.endswith("?etat=en_cours")
    request.user = world.users["autre_mandataire"]
    assert home_cards(request)[0].value == 0
    request.user = UserFactory()
    assert home_cards(request) == []


def test_each_home_card_links_to_the_list_it_counts(client, world):
    from prets.navigation import home_cards

    ReservationFactory(cooperative=world.own_coop)
    ReservationFactory(cooperative=world.own_coop, start_date=today() - 20 * DAY, handed_over=True)
    ReservationFactory(cooperative=world.own_coop, start_date=today() - 40 * DAY, returned=True)
    for role in ["secretariat", "mandataire"]:
        user = world.users[role]
        client.force_login(user)
        request = type("Request", (), {"user": user})()
        for card in home_cards(request):
            response = client.get(card.url)
            listed = (
                response.context["page"].paginator.count
                if "page" in response.context
                else (len(response.context["handovers"]) + len(response.context["returns"]))
            )
            assert listed == card.value, card.label


def test_staff_reserve_and_order_on_a_coops_behalf(client, world):
    resource = ResourceFactory(borrowers=Resource.Borrowers.STAFF)
    CopyFactory(resource=resource)
    product = ProductFactory(stock=20)
    client.force_login(world.users["animation"])
    start = today() + 3 * DAY
    response = client.post(
        reverse("prets:reserve", args=[resource.pk]),
        {
            "cooperative": world.other_coop.pk,
            "start_date": start.isoformat(),
            "end_date": (start + 4 * DAY).isoformat(),
        },
    )
    reservation = Reservation.objects.get()
    assert response.url == reservation.get_absolute_url()
    assert (reservation.cooperative, reservation.requested_by) == (
        world.other_coop,
        world.users["animation"],
    )
    assert reservation.borrower_emails() == [world.users["autre_mandataire"].email]
    client.force_login(world.users["secretariat"])
    response = client.post(
        reverse("prets:order_create"),
        {"cooperative": world.other_coop.pk, f"quantite_{product.pk}": "12"},
    )
    order = world.other_coop.orders.get()
    assert response.url == order.get_absolute_url()
    assert order.requested_by == world.users["secretariat"]
    product.refresh_from_db()
    assert product.stock == 8


def test_numbers_of_reservations_and_orders_are_never_grouped_by_thousands(client, world):
    reservation = ReservationFactory(id=12345, cooperative=world.own_coop)
    order = OrderLineFactory(order__id=23456, order__cooperative=world.own_coop).order
    client.force_login(world.users["mandataire"])
    listed = client.get(reverse("prets:reservation_list")).content.decode()
    assert "Réservation n° 12345" in listed
    detail = client.get(reverse("prets:reservation_detail", args=[reservation.pk]))
    assert "<h1>Réservation n° 12345</h1>" in detail.content.decode()
    assert "Commande n° 23456" in client.get(reverse("prets:order_list")).content.decode()
    page = client.get(reverse("prets:order_detail", args=[order.pk])).content.decode()
    assert "<h1>Commande n° 23456</h1>" in page
