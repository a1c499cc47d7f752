from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.history, name="history"),
    path("exports/<slug:list_name>.<slug:fmt>", views.export, name="export"),
    path("exports/jobs/<int:pk>/", views.job_detail, name="job"),
    path("exports/jobs/<int:pk>/status/", views.job_status, name="job-status"),
    path("exports/jobs/<int:pk>/download/<slug:token>/", views.download, name="download"),
]
