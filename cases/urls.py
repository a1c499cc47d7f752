from django.urls import path

from cases.views import (
    cases,
    clocks,
    deleted,
    detentions,
    duplicates,
    followups,
    people,
    proceedings,
    reference,
)

app_name = "cases"


def crud(prefix: str, name: str, module, model: str, *, create: bool = True):
    """list, detail, edit, delete (and a top-level create) for one record type."""
    patterns = [
        path(f"{prefix}/", getattr(module, f"{model}List").as_view(), name=f"{name}-list"),
        path(
            f"{prefix}/<int:pk>/",
            getattr(module, f"{model}Detail").as_view(),
            name=f"{name}-detail",
        ),
        path(
            f"{prefix}/<int:pk>/edit/",
            getattr(module, f"{model}Update").as_view(),
            name=f"{name}-update",
        ),
        path(
            f"{prefix}/<int:pk>/delete/",
            getattr(module, f"{model}Delete").as_view(),
            name=f"{name}-delete",
        ),
    ]
    if create:
        patterns.append(
            path(
                f"{prefix}/new/", getattr(module, f"{model}Create").as_view(), name=f"{name}-create"
            )
        )
    return patterns


urlpatterns = [
    *crud("cases", "case", cases, "Case"),
    path("cases/<int:pk>/timeline/", cases.case_timeline, name="case-timeline"),
    path("cases/<int:case_pk>/parties/new/", cases.PartyCreate.as_view(), name="party-create"),
    path("parties/<int:pk>/edit/", cases.PartyUpdate.as_view(), name="party-update"),
    path("parties/<int:pk>/delete/", cases.PartyDelete.as_view(), name="party-delete"),
    path("parties/<int:party_pk>/charges/new/", cases.ChargeCreate.as_view(), name="charge-create"),
    path("charges/<int:pk>/edit/", cases.ChargeUpdate.as_view(), name="charge-update"),
    path("charges/<int:pk>/delete/", cases.ChargeDelete.as_view(), name="charge-delete"),
    *crud("hearings", "hearing", proceedings, "Hearing", create=False),
    path(
        "cases/<int:case_pk>/hearings/new/",
        proceedings.HearingCreate.as_view(),
        name="hearing-create",
    ),
    *crud("outcomes", "outcome", proceedings, "Outcome", create=False),
    path(
        "parties/<int:party_pk>/outcomes/new/",
        proceedings.OutcomeCreate.as_view(),
        name="outcome-create",
    ),
    *crud("detentions", "detention", detentions, "Detention", create=False),
    path(
        "cases/<int:case_pk>/detentions/new/",
        detentions.DetentionCreate.as_view(),
        name="detention-create",
    ),
    path(
        "detentions/<int:pk>/release/",
        detentions.DetentionRelease.as_view(),
        name="detention-release",
    ),
    path(
        "detentions/<int:pk>/transition/",
        detentions.DetentionTransition.as_view(),
        name="detention-transition",
    ),
    path(
        "detentions/<int:detention_pk>/extensions/new/",
        detentions.ExtensionCreate.as_view(),
        name="extension-create",
    ),
    path(
        "extensions/<int:pk>/edit/", detentions.ExtensionUpdate.as_view(), name="extension-update"
    ),
    path(
        "extensions/<int:pk>/delete/", detentions.ExtensionDelete.as_view(), name="extension-delete"
    ),
    path("clocks/", clocks.clock_dashboard, name="clock-dashboard"),
    path("deleted/", deleted.deleted_list, name="deleted-list"),
    path(
        "deleted/<slug:model_name>/<int:pk>/restore/",
        deleted.restore,
        name="deleted-restore",
    ),
    *crud("followups", "followup", followups, "FollowUp", create=False),
    path(
        "cases/<int:case_pk>/followups/new/",
        followups.FollowUpCreate.as_view(),
        name="followup-create",
    ),
    *crud("persons", "person", people, "Person"),
    path("persons/duplicates/", duplicates.duplicate_report, name="person-duplicates"),
    path(
        "persons/duplicates/<int:pk>/<int:other_pk>/dismiss/",
        duplicates.dismiss_duplicate,
        name="person-duplicate-dismiss",
    ),
    path("persons/<int:pk>/merge/<int:other_pk>/", duplicates.merge, name="person-merge"),
    path("persons/merges/", duplicates.merge_list, name="merge-list"),
    path("persons/merges/<int:pk>/", duplicates.merge_detail, name="merge-detail"),
    path("persons/merges/<int:pk>/undo/", duplicates.merge_undo, name="merge-undo"),
    *crud("groups", "group", reference, "Group"),
    *crud("organisations", "organisation", reference, "Organisation"),
    *crud("courts", "court", reference, "Court"),
    *crud("facilities", "facility", reference, "Facility"),
]
