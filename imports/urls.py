from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path(
        "imports/templates/<slug:kind>.<slug:file_format>",
        views.template_download,
        name="template",
    ),
    path("imports/<int:pk>/", views.job_detail, name="job"),
    path("imports/<int:pk>/status/", views.job_status, name="job-status"),
    path("imports/<int:pk>/errors.csv", views.job_errors, name="job-errors"),
    path("imports/<int:pk>/confirm/", views.job_confirm, name="job-confirm"),
    path("imports/<int:pk>/cancel/", views.job_cancel, name="job-cancel"),
]
