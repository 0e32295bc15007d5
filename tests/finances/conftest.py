import pytest

from occe.core.models import Association
from tests.accounts.factories import UserFactory


@pytest.fixture
def association(db):
    association = Association.get()
    association.name = "OCCE 92 — Association départementale des Hauts-de-Seine"
    association.short_name = "OCCE 92"
    association.siren = "775671878"
    association.rna = "W922001234"
    association.address = "10 rue de Paris"
    association.postal_code = "92000"
    association.city = "Nanterre"
    association.signatory_name = "Marie Dupont"
    association.signatory_quality = "Présidente"
    association.receipt_number_prefix = ""
    association.save()
    return association


@pytest.fixture
def secretary(db):
    return UserFactory(secretariat=True)
