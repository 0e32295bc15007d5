"""The Django admin shows the receipts' data; it never changes what the workflow decides.

A request's status only moves through the application's workflow (submit, validate, send back,
reject); once validated or submitted the admin shows it without change; an issued line, a
receipt and a counter are shown only (the rendering jobs are core Jobs). The database refuses the same changes
(triggers of migration 0005) whatever asks.
"""

from django.contrib import admin

from .models import DonationLine, DonationRequest, Receipt, ReceiptCounter


class DonationLineInline(admin.TabularInline):
    model = DonationLine
    extra = 0
    fields = ["donor_type", "last_name", "first_name", "company_name", "amount", "date", "receipt"]
    readonly_fields = ["receipt"]

    # Lines change only while the request is a draft or to correct.
    def has_add_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.is_editable


@admin.register(DonationRequest)
class DonationRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "cooperative", "channel", "status", "created_at"]
    list_filter = ["status", "channel"]
    inlines = [DonationLineInline]
    readonly_fields = [
        "status",
        "certified",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "reason",
    ]

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_editable

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status == DonationRequest.Status.DRAFT


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed nor deleted from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    """Read-only: a receipt is cancelled from the application, never edited nor deleted."""

    list_display = ["number", "cooperative", "amount", "issued_at", "cancelled_at"]
    list_filter = ["year", "donor_type"]
    search_fields = ["number", "last_name", "company_name"]


@admin.register(ReceiptCounter)
class ReceiptCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last_number"]


# CRFS and controls (issue 8).
from .models import Control, Crfs, CrfsCategory  # noqa: E402


@admin.register(CrfsCategory)
class CrfsCategoryAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "account_code", "order", "active"]
    list_filter = ["kind", "active"]


@admin.register(Crfs)
class CrfsAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "school_year", "status", "format", "closing_balance"]
    list_filter = ["status", "format"]


@admin.register(Control)
class ControlAdmin(ReadOnlyAdmin):
    list_display = ["cooperative", "school_year", "status", "outcome", "opened_on"]
    list_filter = ["status", "outcome"]
