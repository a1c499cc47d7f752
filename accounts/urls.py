from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("security/", views.security, name="security"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/set-up/", views.enrol, name="enrol"),
    path("two-factor/backup-codes/", views.backup_codes, name="backup-codes"),
    path("two-factor/turn-off/", views.disable, name="disable"),
    path("language/", views.switch_language, name="language"),
]
