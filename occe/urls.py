from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from occe import views
from occe.accounts import views as accounts_views

# The admin's own login would skip the second factor and the rate limits: it sends to allauth's.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    # Before allauth's: the address page is read-only (the secretariat changes addresses).
    path("accounts/email/", accounts_views.email, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("utilisateurs/", include("occe.accounts.urls")),
    path("cooperatives/", include("cooperatives.urls")),
    path("finances/", include("finances.urls")),
    # Browsers ask for /favicon.ico on their own. The static URL is looked up at request time
    # (production's manifest of hashed names may not exist yet when URLs are loaded).
    path(
        "favicon.ico",
        login_not_required(
            RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=False)
        ),
    ),
    path("formations/", include("formations.urls")),
    path("vie-associative/", include("occe.association.urls")),
    path("prets/", include("prets.urls")),
    path("rapport-activite/", include("occe.reports.urls")),
    path("actions/", include("actions.urls")),
    path("", include("occe.ops.urls")),
    path("", include("occe.core.urls")),
]

handler400 = "occe.core.errors.bad_request"
handler403 = "occe.core.errors.permission_denied"
handler404 = "occe.core.errors.page_not_found"
handler500 = "occe.core.errors.server_error"
