from django.contrib import admin

from .models import DonationLine, DonationRequest, Receipt, ReceiptCounter, RenderJob


class DonationLineInline(admin.TabularInline):
    model = DonationLine
    extra = 0
    fields = ["donor_type", "last_name", "first_name", "company_name", "amount", "date", "receipt"]
    readonly_fields = ["receipt"]


@admin.register(DonationRequest)
class DonationRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "cooperative", "channel", "status", "created_at"]
    list_filter = ["status", "channel"]
    inlines = [DonationLineInline]

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status in DonationRequest.EDITABLE


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


admin.site.register(RenderJob)
