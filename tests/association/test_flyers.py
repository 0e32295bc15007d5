"""Flyers: the staff record them (the animation too), the board reads them, and the annual
report's « Communication » counts those of the year."""

import pytest
from django.urls import reverse

from occe.association import indicators
from occe.association.models import Flyer
from occe.core.models import SchoolYear

pytestmark = pytest.mark.django_db


def test_animation_records_a_flyer_counted_in_the_year(world, login):
    client = login(world.users["animation"])
    year = SchoolYear.objects.current()
    response = client.post(
        reverse("association:flyer_create"),
        {
            "title": "Les Écoles qui filment",
            "school_year": year.pk,
            "subject": "Festival de juin",
            "copies": "1200",
            "distribution": "Circonscriptions",
        },
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Les Écoles qui filment" in page and "1\u00a0200" in page
    assert indicators.flyers(year) == 1 and indicators.flyer_copies(year) == 1200
    assert indicators.flyers(year.previous()) is None  # none recorded: « non renseigné »


def test_the_board_reads_flyers_without_editing(world, login):
    Flyer.objects.create(title="THEA", school_year=SchoolYear.objects.current())
    client = login(world.users["administrateur"])
    page = client.get(reverse("association:flyer_list")).content.decode()
    assert "THEA" in page and "Nouveau flyer" not in page
    assert client.get(reverse("association:flyer_create")).status_code == 403


def test_a_wrong_number_of_copies_is_refused(world, login):
    client = login(world.users["secretariat"])
    response = client.post(
        reverse("association:flyer_create"),
        {"title": "THEA", "school_year": SchoolYear.objects.current().pk, "copies": "-3"},
    )
    assert response.status_code == 200 and not Flyer.objects.exists()
