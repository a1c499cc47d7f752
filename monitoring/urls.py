from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from cases.views.home import home

# Every refused authorisation is logged (user, address, path) before the 403 page.
handler403 = "accounts.views.permission_denied"
# Database unreachable: 503 with Retry-After; any other failure: 500 (monitoring/errors.py).
handler500 = "monitoring.errors.server_error"

urlpatterns = [
    path("accounts/login/", accounts_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", home, name="home"),
    path("", include("reminders.urls")),
    path("", include("observations.urls")),
    path("", include("search.urls")),
    path("", include("stats.urls")),
    path("", include("exports.urls")),
    path("", include("imports.urls")),
    path("", include("cases.urls")),
    path("", include("audit.urls")),
]
