from django.contrib import admin
from django.urls import include, path

from occe.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("utilisateurs/", include("occe.accounts.urls")),
    path("cooperatives/", include("cooperatives.urls")),
    path("finances/", include("finances.urls")),
    path("", include("occe.ops.urls")),
    path("", include("occe.core.urls")),
]

handler403 = "occe.core.errors.permission_denied"
handler404 = "occe.core.errors.page_not_found"
handler500 = "occe.core.errors.server_error"
