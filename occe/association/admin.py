from django.contrib import admin

from .models import Flyer, Meeting, Newsletter, Partner, Person, WorkingGroup


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "user"]
    search_fields = ["last_name", "first_name", "email"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "level", "kind", "title"]
    list_filter = ["level", "kind"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):
    list_display = ["title", "level", "start_date", "end_date"]


@admin.register(Flyer)
class FlyerAdmin(admin.ModelAdmin):
    list_display = ["title", "school_year", "subject", "copies"]
    list_filter = ["school_year"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "active"]
    list_filter = ["kind", "active"]


@admin.register(Newsletter)
class NewsletterAdmin(admin.ModelAdmin):
    """Read-only: what was sent, to whom, is a record (sending happens in the application)."""

    list_display = ["subject", "status", "started_at", "sent", "failed", "total"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
