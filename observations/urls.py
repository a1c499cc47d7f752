from django.urls import path

from . import views

app_name = "observations"

urlpatterns = [
    path("today/", views.today, name="today"),
    path("hearings/<int:hearing_pk>/observe/", views.observe, name="observe"),
    path("hearings/<int:hearing_pk>/observe/autosave/", views.autosave, name="autosave"),
    path("observations/<int:pk>/", views.observation_detail, name="observation-detail"),
    path("observations/attachments/<int:pk>/", views.attachment, name="attachment"),
    path("cases/<int:case_pk>/observations/", views.case_observations, name="case-observations"),
    path("cases/<int:case_pk>/assessment/", views.assess, name="assess"),
    path("cases/<int:pk>/hearings/quick/", views.quick_add_hearing, name="quick-hearing"),
]
