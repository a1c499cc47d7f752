from django.urls import path, re_path

from . import views

app_name = "reminders"

urlpatterns = [
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read-all/", views.notification_read_all, name="notification-read-all"),
    path("notifications/settings/", views.preferences, name="preferences"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("calendar/", views.calendar_page, name="calendar"),
    # token_urlsafe(32) gives 43 characters of [A-Za-z0-9_-].
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,128})\.ics$",
        views.calendar_feed,
        name="calendar-feed",
    ),
]
