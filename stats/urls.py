from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/download/", views.download, name="download"),
]
