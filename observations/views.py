"""The monitor's day, the observation page (autosaved, offline-tolerant), the case roll-up."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases import access
from cases.models import Case, Hearing
from cases.models.base import EditConflict
from cases.services.proceedings import record_hearing
from cases.views.base import case_is_editable, record_restricted_view

from . import services
from .forms import (
    AttachmentForm,
    ChecklistForm,
    FairnessAssessmentForm,
    ObservationForm,
    QuickHearingForm,
)
from .models import Attachment, Checklist, FairnessAssessment, Observation
from .rollup import case_rollup

UPCOMING_DAYS = 7


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


@require_safe
@permission_required("observations.view_observation", raise_exception=True)
def today(request):
    """List today's hearings the user can see, theirs first, with their observation's state."""
    day = timezone.localdate()
    start, end = _day_bounds(day)
    mine = Observation.objects.filter(hearing=OuterRef("pk"), observer=request.user)
    assigned = Case.monitors.through.objects.filter(case=OuterRef("case_id"), user=request.user)
    hearings = (
        Hearing.objects.visible_to(request.user)
        .filter(scheduled_at__gte=start, scheduled_at__lt=end + dt.timedelta(days=UPCOMING_DAYS))
        .exclude(status=Hearing.Status.CANCELLED)
        .select_related("case", "court", "monitor")
        .annotate(
            my_status=Subquery(mine.values("status")[:1]),
            my_observation=Subquery(mine.values("pk")[:1]),
            on_my_case=Exists(assigned),
        )
        .order_by("scheduled_at", "pk")
    )
    todays, upcoming = [], []
    may_add = request.user.has_perm("observations.add_observation")
    manages_all = access.manages_all_cases(request.user)
    for hearing in hearings:
        hearing.is_mine = hearing.monitor_id == request.user.pk or hearing.on_my_case
        hearing.can_observe = may_add and (hearing.is_mine or manages_all)
        (todays if hearing.scheduled_at < end else upcoming).append(hearing)
    todays.sort(key=lambda h: (not h.is_mine, h.scheduled_at))
    return render(
        request,
        "observations/today.html",
        {"day": day, "hearings": todays, "upcoming": upcoming, "upcoming_days": UPCOMING_DAYS},
    )


def _visible_hearing(request, pk) -> Hearing:
    return get_object_or_404(
        Hearing.objects.visible_to(request.user).select_related("case", "court"), pk=pk
    )


def _page_forms(request, hearing, observation, checklist, *, data=None, files=None):
    answers = {a.item_id: a for a in observation.answers.all()} if observation else {}
    items = list(checklist.items.in_order())
    return (
        ObservationForm(data, instance=observation or Observation(hearing=hearing)),
        ChecklistForm(data, items=items, answers=answers),
        AttachmentForm(data, files),
    )


@permission_required("observations.add_observation", raise_exception=True)
def observe(request, hearing_pk):
    """Show and save the one-page observation form of a hearing (works without JavaScript)."""
    hearing = _visible_hearing(request, hearing_pk)
    if not services.may_observe(request.user, hearing):
        raise PermissionDenied(_("You may not record observations of this hearing."))
    observation = services.observation_for(hearing=hearing, observer=request.user)
    checklist = observation.checklist if observation else Checklist.objects.current()
    if checklist is None:
        messages.error(request, _("No fair-trial checklist is published yet: ask an admin."))
        return redirect(hearing)
    if request.method == "POST":
        return _save_page(request, hearing, observation, checklist)
    form, checklist_form, attachment_form = _page_forms(request, hearing, observation, checklist)
    return _render_page(request, hearing, observation, form, checklist_form, attachment_form)


def _render_page(
    request, hearing, observation, form, checklist_form, attachment_form, *, status=200
):
    if not form.is_bound:
        form.fields["submit_token"].initial = uuid.uuid4()
        form.fields["draft_seq"].initial = observation.draft_seq if observation else 0
    return render(
        request,
        "observations/observe.html",
        {
            "hearing": hearing,
            "case": hearing.case,
            "observation": observation,
            "form": form,
            "checklist_form": checklist_form,
            "attachment_form": attachment_form,
            "attachments": list(observation.attachments.all()) if observation else [],
        },
        status=status,
    )


def _save_page(request, hearing, observation, checklist):
    form, checklist_form, attachment_form = _page_forms(
        request, hearing, observation, checklist, data=request.POST, files=request.FILES
    )
    submitting = request.POST.get("action") == "submit"
    form_ok, checklist_ok, files_ok = (
        form.is_valid(),
        checklist_form.is_valid(),
        attachment_form.is_valid(),
    )
    fields = {
        name: form.cleaned_data[name]
        for name in services.OBSERVATION_FIELDS
        if name in getattr(form, "cleaned_data", {})
    }
    seq = form.cleaned_data.get("draft_seq")
    if not (form_ok and checklist_ok and files_ok):
        # Keep what is valid on the server too: nothing typed is lost to one bad field.
        saved, _applied = services.save_draft(
            hearing=hearing,
            observer=request.user,
            fields=fields,
            answers=checklist_form.answers(),
        )
        return _render_page(
            request, hearing, saved, form, checklist_form, attachment_form, status=400
        )
    try:
        if submitting:
            saved, fresh = services.submit_observation(
                hearing=hearing,
                observer=request.user,
                by=request.user,
                fields=fields,
                answers=checklist_form.answers(),
                token=form.cleaned_data.get("submit_token"),
                seq=seq,
            )
        else:
            saved, fresh = services.save_draft(
                hearing=hearing,
                observer=request.user,
                fields=fields,
                answers=checklist_form.answers(),
            )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        saved = services.save_draft(
            hearing=hearing,
            observer=request.user,
            fields=fields,
            answers=checklist_form.answers(),
        )[0]
        return _render_page(
            request, hearing, saved, form, checklist_form, attachment_form, status=400
        )
    uploads = attachment_form.cleaned_data.get("files") or []
    if uploads:
        added = services.attach_files(observation=saved, uploads=uploads, by=request.user)
        if added:
            messages.success(request, _("%(count)s file(s) attached.") % {"count": len(added)})
    if submitting:
        if fresh:
            messages.success(request, _("Observation submitted. Thank you."))
        else:
            messages.info(request, _("This observation was already submitted: nothing changed."))
        return redirect(saved)
    messages.success(request, _("Draft saved."))
    return redirect("observations:observe", hearing_pk=hearing.pk)


@require_POST
@permission_required("observations.add_observation", raise_exception=True)
def autosave(request, hearing_pk):
    """Save the draft as the monitor types (JSON); older saves arriving late are ignored."""
    hearing = _visible_hearing(request, hearing_pk)
    if not services.may_observe(request.user, hearing):
        raise PermissionDenied(_("You may not record observations of this hearing."))
    observation = services.observation_for(hearing=hearing, observer=request.user)
    checklist = observation.checklist if observation else Checklist.objects.current()
    if checklist is None:
        return JsonResponse({"error": _("No checklist is published.")}, status=409)
    if observation is not None and observation.is_submitted:
        return JsonResponse(
            {"error": _("Already submitted: use the Save button to amend it.")}, status=409
        )
    form, checklist_form, _files = _page_forms(
        request, hearing, observation, checklist, data=request.POST
    )
    form.is_valid()
    checklist_form.is_valid()
    seq = form.cleaned_data.get("draft_seq")
    fields = {
        name: form.cleaned_data[name]
        for name in services.OBSERVATION_FIELDS
        if name in form.cleaned_data
    }
    saved, applied = services.save_draft(
        hearing=hearing,
        observer=request.user,
        fields=fields,
        answers=checklist_form.answers(),
        seq=seq or None,
    )
    errors = {**form.errors.get_json_data(), **checklist_form.errors.get_json_data()}
    return JsonResponse(
        {
            "saved": applied,
            "seq": saved.draft_seq,
            "saved_at": timezone.localtime(saved.updated_at).strftime("%H:%M:%S"),
            "errors": {name: [e["message"] for e in errs] for name, errs in errors.items()},
        }
    )


def _visible_observation(request, pk) -> Observation:
    observation = get_object_or_404(
        Observation.objects.visible_to(request.user).select_related(
            "hearing__case", "hearing__court", "observer", "checklist"
        ),
        pk=pk,
    )
    if not observation.is_submitted and not (
        observation.observer_id == request.user.pk or access.manages_all_cases(request.user)
    ):
        raise Http404  # someone else's draft
    return observation


@require_safe
@permission_required("observations.view_observation", raise_exception=True)
def observation_detail(request, pk):
    observation = _visible_observation(request, pk)
    record_restricted_view(observation)
    answers = {a.item_id: a for a in observation.answers.all()}
    sections, current, rows = [], None, []
    for item in observation.checklist.items.in_order():
        if item.section != current:
            current, rows = item.section, []
            sections.append((item.get_section_display(), rows))
        rows.append((item, answers.get(item.pk)))
    return render(
        request,
        "observations/observation_detail.html",
        {
            "observation": observation,
            "hearing": observation.hearing,
            "case": observation.hearing.case,
            "sections": sections,
            "attachments": list(observation.attachments.all()),
            "can_change": services.may_change(request.user, observation),
        },
    )


@require_safe
@permission_required("observations.view_attachment", raise_exception=True)
def attachment(request, pk):
    """Send an attachment to someone who may see its observation, as a download."""
    item = get_object_or_404(Attachment.objects.select_related("observation"), pk=pk)
    _visible_observation(request, item.observation_id)
    record_restricted_view(item)
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@permission_required("observations.view_observation", raise_exception=True)
def case_observations(request, case_pk):
    """The fair-trial roll-up of a case, its observations and the fairness assessment."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=case_pk)
    observations = (
        Observation.objects.of_case(case)
        .submitted()
        .select_related("hearing__court", "observer")
        .order_by("hearing__scheduled_at", "pk")
    )
    return render(
        request,
        "observations/case_observations.html",
        {
            "case": case,
            "rollup": case_rollup(case),
            "observations": observations,
            "assessment": FairnessAssessment.objects.filter(case=case)
            .select_related("assessed_by")
            .first(),
            "can_assess": request.user.has_perm("observations.add_fairnessassessment"),
        },
    )


@permission_required("observations.add_fairnessassessment", raise_exception=True)
def assess(request, case_pk):
    """Let a supervisor grade the whole trial, A to F, with reasoning."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=case_pk)
    assessment = FairnessAssessment.objects.filter(case=case).first()
    form = FairnessAssessmentForm(request.POST or None, instance=assessment)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.assess_fairness(
                    case=case,
                    grade=form.cleaned_data["grade"],
                    reasoning=form.cleaned_data["reasoning"],
                    version=form.cleaned_data.get("version"),
                    by=request.user,
                )
            except EditConflict:
                form.add_error(
                    None,
                    _("Someone changed this assessment since you opened it: reload to see it."),
                )
                status = 409
            else:
                messages.success(request, _("Fairness assessment saved."))
                return redirect("observations:case-observations", case_pk=case.pk)
        else:
            status = 400
    return render(
        request,
        "observations/assess.html",
        {"case": case, "form": form, "assessment": assessment},
        status=status,
    )


@require_POST
@permission_required("cases.add_hearing", raise_exception=True)
def quick_add_hearing(request, pk):
    """Schedule the case's next hearing from two fields on the case page."""
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    if not case_is_editable(request.user, case):
        raise PermissionDenied(_("You may not change the records of this case."))
    form = QuickHearingForm(request.POST, instance=Hearing(case=case, court=case.court))
    if form.is_valid():
        try:
            hearing = record_hearing(hearing=form.save(commit=False), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Hearing scheduled for %(when)s.")
                % {"when": timezone.localtime(hearing.scheduled_at).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect(case)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
    url = reverse("cases:case-detail", args=[case.pk])
    return redirect(f"{url}?{request.POST.urlencode()}#quick-hearing")
