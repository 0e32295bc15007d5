import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from occe.association.models import (
    BoardMandate,
    Level,
    Meeting,
    MeetingDocument,
    Newsletter,
    Partner,
    Person,
    StaffPosition,
    WorkingGroup,
)
from tests.accounts.factories import UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")


class BoardMandateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BoardMandate

    person = factory.SubFactory(PersonFactory)
    start_date = datetime.date(2020, 11, 20)


class StaffPositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffPosition

    person = factory.SubFactory(PersonFactory)
    function = StaffPosition.Function.ANIMATION
    employer = StaffPosition.Employer.ASSOCIATION
    start_date = datetime.date(2019, 9, 1)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    level = Level.DEPARTEMENTAL
    kind = Meeting.Kind.CA
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    place = "Siège, Nanterre"


class MeetingDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingDocument

    meeting = factory.SubFactory(MeetingFactory)
    kind = MeetingDocument.Kind.COMPTE_RENDU
    file = factory.LazyFunction(lambda: ContentFile(PDF, name="compte-rendu.pdf"))
    original_name = "compte-rendu.pdf"
    uploaded_by = factory.SubFactory(UserFactory, secretariat=True)


class WorkingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingGroup

    title = factory.Sequence(lambda n: f"Chantier {n}")
    level = Level.NATIONAL
    start_date = datetime.date(2024, 9, 1)


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partenaire {n}")
    kind = Partner.Kind.CULTUREL


class NewsletterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Newsletter

    subject = factory.Sequence(lambda n: f"Lettre n° {n}")
    body = "## Bonjour\n\nDes **nouvelles** des coopératives."
    created_by = factory.SubFactory(UserFactory, secretariat=True)
