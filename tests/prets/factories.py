import datetime
import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from prets.forms import PhotoForm
from prets.models import (
    ContentItem,
    Copy,
    Order,
    OrderLine,
    Product,
    Reservation,
    Resource,
    ResourceKind,
    Status,
)
from tests.accounts.factories import UserFactory
from tests.cooperatives.factories import CooperativeFactory


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    kind = ResourceKind.PRISE_DE_VUE
    title = factory.Sequence(lambda n: f"Kit caméra {n}")
    description = "Caméra, micro et trépied pour tourner un film avec sa classe."
    max_loan_days = 21
    checking_delay_days = 2

    @factory.post_generation
    def contents(self, create, extracted, **kwargs):
        """`contents=[("Caméra", 1), ("Batterie", 2)]`."""
        if create and extracted:
            ContentItem.objects.bulk_create(
                ContentItem(resource=self, label=label, quantity=quantity, position=n)
                for n, (label, quantity) in enumerate(extracted)
            )


class CopyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Copy

    resource = factory.SubFactory(ResourceFactory)
    inventory_number = factory.Sequence(lambda n: f"CAM-{n:03d}")
    location = "Local de l'association"


class ReservationFactory(factory.django.DjangoModelFactory):
    """A reservation written directly (no availability check): dates must not overlap."""

    class Meta:
        model = Reservation

    copy = factory.SubFactory(CopyFactory)
    resource = factory.SelfAttribute("copy.resource")
    cooperative = factory.SubFactory(CooperativeFactory)
    requested_by = factory.SubFactory(UserFactory, mandataire=True)
    start_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=9))
    available_again_on = factory.LazyAttribute(
        lambda o: o.end_date + datetime.timedelta(days=o.resource.checking_delay_days)
    )

    class Params:
        confirmed = factory.Trait(status=Status.CONFIRMED)
        handed_over = factory.Trait(
            status=Status.HANDED_OVER,
            handed_over_on=factory.SelfAttribute("start_date"),
            handover_condition="bon",
            contents_checked=True,
        )
        returned = factory.Trait(
            status=Status.RETURNED,
            handed_over_on=factory.SelfAttribute("start_date"),
            returned_on=factory.SelfAttribute("end_date"),
            handover_condition="bon",
            return_condition="bon",
            contents_checked=True,
        )


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Agenda coop cycle {n}")
    price = Decimal("7.50")
    stock = 100


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    cooperative = factory.SubFactory(CooperativeFactory)
    requested_by = factory.SubFactory(UserFactory, mandataire=True)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 10
    unit_price = factory.SelfAttribute("product.price")


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def add_photo(resource, user, description="Le kit déballé"):
    upload = SimpleUploadedFile("kit.png", image_bytes(), content_type="image/png")
    form = PhotoForm({"description": description}, {"image": upload})
    assert form.is_valid(), form.errors
    return form.save(resource, user)
