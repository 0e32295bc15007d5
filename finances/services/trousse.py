"""Gifts collected on the Trousse à projets platform turned into a request of the coop."""

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from ..models import (
    Channel,
    DonationLine,
    DonationRequest,
    PaymentMethod,
    TrousseImport,
    TrousseMapping,
)
from .errors import WorkflowError
from .receipts import submit

# Gifts on the platform are paid online, by card, unless the export says otherwise.
ONLINE = PaymentMethod.VIREMENT


@transaction.atomic
def import_trousse(
    imported_id: int, cooperative, gifts: list[dict], user, mapping: dict | None = None
) -> DonationRequest:
    """Turn an uploaded Trousse à projets export into a request, submitted like any other (it
    stays a draft if some lines need correcting). An export becomes one request only."""
    # Locked: a double click must not create two requests with the same gifts.
    imported = TrousseImport.objects.select_for_update().get(pk=imported_id)
    if imported.request_id:
        raise WorkflowError(
            f"Ce fichier a déjà été importé dans la demande n° {imported.request_id}."
        )
    if mapping is not None:
        saved = TrousseMapping.get()
        saved.mapping = mapping
        saved.save()
    # The platform collected the gifts on the coop's account, which stands for the
    # mandataire's certification.
    request = DonationRequest.objects.create(
        cooperative=cooperative, channel=Channel.TROUSSE, certified=True, created_by=user
    )
    # Gifts on the platform are paid online, by card, unless the export says otherwise.
    gifts = [{**gift, "payment_method": gift.get("payment_method") or ONLINE} for gift in gifts]
    bulk_create_with_history(
        [DonationLine(request=request, position=i, **gift) for i, gift in enumerate(gifts)],
        DonationLine,
        default_user=user,
    )
    imported.request = request
    imported.save(update_fields=["request"])
    try:
        with transaction.atomic():
            submit(request, user)
    except WorkflowError:
        pass  # stays a draft: its page lists what to correct
    return request
