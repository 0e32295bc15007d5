from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Copy, Incident, Order, OrderLine, Product, Reservation, Resource, Theme


class CopyInline(admin.TabularInline):
    model = Copy
    extra = 0


@admin.register(Resource)
class ResourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "max_loan_days", "checking_delay_days", "on_catalogue"]
    list_filter = ["kind", "on_catalogue"]
    inlines = [CopyInline]


@admin.register(Copy)
class CopyAdmin(SimpleHistoryAdmin):
    list_display = ["inventory_number", "resource", "condition", "location"]
    list_filter = ["condition", "resource__kind"]
    search_fields = ["inventory_number", "resource__title"]


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ["pk", "resource", "copy", "cooperative", "start_date", "end_date", "status"]
    list_filter = ["status", "resource__kind"]
    raw_id_fields = ["cooperative", "requested_by", "copy"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["pk", "cooperative", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["cooperative", "requested_by"]
    inlines = [OrderLineInline]


admin.site.register([Theme, Incident, Product])
