from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Action, BudgetLine, ClassRegistration, Edition, Intervenant, Intervention


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "scope"]
    search_fields = ["title"]


@admin.register(Edition)
class EditionAdmin(SimpleHistoryAdmin):
    list_display = ["action", "school_year", "mode", "capacity"]
    list_filter = ["school_year", "mode"]


@admin.register(ClassRegistration)
class ClassRegistrationAdmin(SimpleHistoryAdmin):
    list_display = ["class_name", "cooperative", "edition", "status", "pupils"]
    list_filter = ["status"]
    raw_id_fields = ["cooperative", "teacher", "registered_by"]


@admin.register(Intervenant)
class IntervenantAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation"]


@admin.register(Intervention)
class InterventionAdmin(SimpleHistoryAdmin):
    list_display = ["starts_at", "intervenant", "cooperative", "status"]
    raw_id_fields = ["registration", "cooperative"]


@admin.register(BudgetLine)
class BudgetLineAdmin(SimpleHistoryAdmin):
    list_display = ["edition", "kind", "label", "amount"]
