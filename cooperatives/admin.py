from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AccompanimentEntry,
    Affiliation,
    Circonscription,
    Cooperative,
    Mandate,
    TeacherSchool,
)


@admin.register(Cooperative)
class CooperativeAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "type", "commune", "status"]
    list_filter = ["type", "status", "priority_education"]
    search_fields = ["number", "name", "uai", "commune"]

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(Circonscription)
admin.site.register(Mandate, SimpleHistoryAdmin)
admin.site.register(Affiliation, SimpleHistoryAdmin)
admin.site.register(AccompanimentEntry)
admin.site.register(TeacherSchool, SimpleHistoryAdmin)
