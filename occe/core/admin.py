from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Association, ImportBatch, Job, OutboxEmail, SchoolYear

admin.site.register(Association, SimpleHistoryAdmin)
admin.site.register(SchoolYear)
admin.site.register(OutboxEmail)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["kind", "status", "done", "total", "user", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in Job._meta.fields]


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["kind", "original_name", "status", "created_by", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in ImportBatch._meta.fields]
