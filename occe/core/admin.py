from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Association, OutboxEmail, SchoolYear

admin.site.register(Association, SimpleHistoryAdmin)
admin.site.register(SchoolYear)
admin.site.register(OutboxEmail)
