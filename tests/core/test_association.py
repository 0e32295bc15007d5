import datetime

import pytest
from django.urls import reverse
from freezegun import freeze_time

from occe.core.models import Association, SchoolYear
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def _form_data(association, **changes):
    from occe.core.forms import AssociationForm

    form = AssociationForm(instance=association)
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if name in {"logo", "signature"}:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    data.update(changes)
    return data


def test_secretariat_edits_the_association_and_history_keeps_who_and_what(world, client):
    client.force_login(world.users["secretariat"])
    association = Association.get()
    response = client.post(
        reverse("core:association"),
        _form_data(association, name="OCCE 92", siren="775 671 878", pupil_rate_federal="0.80"),
    )
    assert response.status_code == 302
    association.refresh_from_db()
    assert association.name == "OCCE 92"
    page = client.get(reverse("core:association")).content.decode()
    assert "nom : « OCCE — Association départementale » → « OCCE 92 »" in page
    latest = association.history.first()
    assert latest.history_user == world.users["secretariat"]
    changed = {c.field for c in latest.diff_against(latest.prev_record).changes}
    assert {"name", "siren", "pupil_rate_federal"} <= changed


def test_invalid_settings_are_explained_next_to_the_field(world, client):
    client.force_login(world.users["secretariat"])
    response = client.post(
        reverse("core:association"),
        _form_data(Association.get(), siren="12", status="utilite_publique", decree_date=""),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Le SIREN compte 9 chiffres." in page
    assert "date du décret" in page


def test_board_members_read_but_cannot_change(world, client):
    client.force_login(world.users["administrateur"])
    assert "Paramètres de l'association" in client.get(reverse("core:association")).content.decode()
    response = client.post(reverse("core:association"), _form_data(Association.get(), name="X"))
    assert response.status_code == 403
    assert Association.get().name != "X"


@pytest.mark.parametrize(
    ("today", "label"),
    [("2025-08-31", "2024-2025"), ("2025-09-01", "2025-2026"), ("2026-01-15", "2025-2026")],
)
def test_current_school_year_follows_the_date(today, label):
    with freeze_time(today):
        year = SchoolYear.objects.current()
    assert year.label == label
    assert year.start_date == datetime.date(int(label[:4]), 9, 1)
    assert year.end_date == datetime.date(int(label[:4]) + 1, 8, 31)


def test_malformed_year_labels_are_ignored():
    assert SchoolYear.objects.from_label("2024-2026") is None
    assert SchoolYear.objects.from_label("n'importe quoi") is None
    assert SchoolYear.objects.from_label("2024-2025") is None  # a GET never creates a year
    assert SchoolYear.objects.from_label("2024-2025", create=True).start_year == 2024
    assert SchoolYear.objects.from_label("2024-2025").start_year == 2024


def test_outbox_shows_sent_emails_in_debug(world, client, settings):
    from django.core.mail import send_mail

    settings.DEBUG = True
    settings.EMAIL_BACKEND = "occe.core.mail.OutboxBackend"
    send_mail("Relance affiliation", "Bonjour", None, ["a@exemple.fr"])
    client.force_login(UserFactory(is_superuser=True))  # superusers only: see tests/accounts
    assert "Relance affiliation" in client.get(reverse("core:outbox")).content.decode()


def test_system_check_names_missing_libraries(monkeypatch, capsys):
    from occe.core import system_check

    monkeypatch.setattr(system_check.ctypes.util, "find_library", lambda name: None)
    assert system_check.main() == 1
    assert "apt-get install -y libpango-1.0-0" in capsys.readouterr().err
