from django.contrib import admin

from .models import Registration, Session, SessionPart, StaffTraining, Theme, Training


class PartInline(admin.TabularInline):
    model = SessionPart
    extra = 0


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "theme", "audience", "hours"]
    list_filter = ["theme", "audience"]
    search_fields = ["title"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "capacity", "registration_deadline"]
    list_filter = ["status"]
    inlines = [PartInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "status", "registered_at"]
    list_filter = ["status"]
    raw_id_fields = ["user", "session", "cooperative", "registered_by"]


admin.site.register(Theme)
admin.site.register(StaffTraining)
