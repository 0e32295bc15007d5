"""The finances app's models, one module per part of the domain (receipts, Trousse à projets;
CRFS, controls and grants to come), re-exported here: Django and callers import
`finances.models`."""

from .receipts import (
    COMPANY_NATURES,
    DONOR_FIELDS,
    GIFT_FIELDS,
    IMMUTABLE_MESSAGE,
    ISSUED_FIELDS,
    MAX_GIFT_AMOUNT,
    MAX_LINES,
    MAX_RECEIPT_AMOUNT,
    MUTABLE_FIELDS,
    Channel,
    DonationLine,
    DonationLineQuerySet,
    DonationRequest,
    DonationRequestQuerySet,
    DonorType,
    GiftForm,
    GiftNature,
    PaymentMethod,
    Receipt,
    ReceiptCounter,
    ReceiptQuerySet,
    RenderJob,
    amount_field,
    gift_age_limit,
    normalize,
)
from .trousse import TrousseImport, TrousseMapping

__all__ = [
    "COMPANY_NATURES",
    "DONOR_FIELDS",
    "GIFT_FIELDS",
    "IMMUTABLE_MESSAGE",
    "ISSUED_FIELDS",
    "MAX_GIFT_AMOUNT",
    "MAX_LINES",
    "MAX_RECEIPT_AMOUNT",
    "MUTABLE_FIELDS",
    "Channel",
    "DonationLine",
    "DonationLineQuerySet",
    "DonationRequest",
    "DonationRequestQuerySet",
    "DonorType",
    "GiftForm",
    "GiftNature",
    "PaymentMethod",
    "Receipt",
    "ReceiptCounter",
    "ReceiptQuerySet",
    "RenderJob",
    "TrousseImport",
    "TrousseMapping",
    "amount_field",
    "gift_age_limit",
    "normalize",
]

# CRFS and controls (issue 8).
from .controls import (  # noqa: E402
    CHECKLIST,
    REASON_FIELDS,
    Control,
    ControlAction,
)
from .crfs import (  # noqa: E402
    CRFS_REASONS,
    Crfs,
    CrfsCategory,
    CrfsLine,
    CrfsReminder,
    Reason,
    due_date,
)

__all__ += [
    "CHECKLIST",
    "CRFS_REASONS",
    "REASON_FIELDS",
    "Control",
    "ControlAction",
    "Crfs",
    "CrfsCategory",
    "CrfsLine",
    "CrfsReminder",
    "Reason",
    "due_date",
]
