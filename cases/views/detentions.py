"""Detentions and their extension orders: list, detail, create under a case, edit, delete,
and the two actions of the detail page: release the detainee, move them to the next stage.

Access, in this order: a record the user may not see answers 404; a user without the model
permission gets 403; so does one who may not edit the detention's case. A detention recorded
without a case is editable by anyone with the permission who can see it (and so its person).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.clocks import detention_clock
from cases.dates import Precision
from cases.filters import DetentionFilter
from cases.forms import (
    DetentionExtensionForm,
    DetentionForm,
    DetentionReleaseForm,
    DetentionTransitionForm,
)
from cases.models import Case, Detention, DetentionExtension
from cases.services.detentions import change_detention, record_detention, release_detainee

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
    case_is_editable,
    perm,
)
from .reference import Shown


def time_detained(detention: Detention, today: dt.date) -> str:
    """Return how long an ongoing detention has lasted so far, honest about a fuzzy start."""
    if detention.ended_on is not None or detention.started_on > today:
        return ""
    most = (today - detention.started_on).days
    if detention.started_precision == Precision.DAY:
        latest_start = detention.started_on
    elif detention.started_precision == Precision.AFTER:
        latest_start = None
    else:
        latest_start = detention.started_until
    if latest_start is None:
        return ngettext("at most %(n)s day", "at most %(n)s days", most) % {"n": most}
    least = max((today - latest_start).days, 0)
    if least == most:
        return ngettext("%(n)s day", "%(n)s days", most) % {"n": most}
    return _("between %(least)s and %(most)s days") % {"least": least, "most": most}


def label_of(detention: Detention, user) -> str:
    """Return "<name>: Pretrial detention" with the name this user may see."""
    return _("%(person)s: %(kind)s") % {
        "kind": detention.get_kind_display(),
        "person": detention.person.label_for(user),
    }


def add_errors(form, error: ValidationError) -> None:
    """Put a service's errors beside the form's fields, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class GuardMixin:
    """Answer 404 before 403: find the guarded record, then check permission and case."""

    def get_guarded_case(self) -> Case | None:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            case = self.get_guarded_case()
            if self.has_permission() and not case_is_editable(request.user, case):
                raise PermissionDenied(_("You may not change the records of this case."))
        return super().dispatch(request, *args, **kwargs)


class OneLookupMixin:
    """Look the object up once, though dispatch and the view both ask for it."""

    def get_object(self, queryset=None):
        if not hasattr(self, "_object"):
            self._object = super().get_object(queryset)
        return self._object


class DetentionQueryMixin:
    model = Detention

    def get_queryset(self):
        return Detention.objects.visible_to(self.request.user).select_related(
            "person", "case", "facility"
        )


class DetentionList(RecordListView):
    model = Detention
    filterset_class = DetentionFilter

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        for detention in context["object_list"]:
            detention.so_far = time_detained(detention, today)
        return context


class DetentionDetail(DetentionQueryMixin, RecordDetailView):
    def get_queryset(self):
        # The page and its legal clock both read the extension orders: once.
        return super().get_queryset().prefetch_related("extensions")

    def can_change(self, obj) -> bool:
        return self.request.user.has_perm(perm(Detention, "change")) and self.case_editable(obj)

    def case_editable(self, obj) -> bool:
        if not hasattr(self, "_case_editable"):
            self._case_editable = case_is_editable(self.request.user, obj.case)
        return self._case_editable

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        detention, user = self.object, self.request.user
        editable = self.case_editable(detention)
        today = timezone.localdate()
        context.update(
            label=label_of(detention, user),
            so_far=time_detained(detention, today),
            clock=detention_clock(detention, today=today),
            extensions=list(detention.extensions.all()),
            chain=Detention.objects.visible_to(user)
            .filter(person=detention.person_id)
            .select_related("facility", "case")
            .order_by("started_on", "pk"),
            can_add_extension=editable and user.has_perm(perm(DetentionExtension, "add")),
            can_change_extension=editable and user.has_perm(perm(DetentionExtension, "change")),
            can_delete_extension=editable and user.has_perm(perm(DetentionExtension, "delete")),
        )
        if detention.ended_on is None and context["can_change"]:
            context.setdefault("release_form", DetentionReleaseForm(prefix="release"))
            if user.has_perm(perm(Detention, "add")):
                context.setdefault(
                    "transition_form",
                    DetentionTransitionForm(prefix="transition", detention=detention),
                )
        return context


class SaveDetentionMixin:
    """Save through the service, and name the person as this user may see them."""

    def form_valid(self, form):
        try:
            self.object = record_detention(detention=form.instance, by=self.request.user)
        except ValidationError as error:
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Saved “%(label)s”.") % {"label": label_of(self.object, self.request.user)},
        )
        return redirect(self.object)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class DetentionCreate(GuardMixin, SaveDetentionMixin, RecordCreateView):
    model = Detention
    form_class = DetentionForm

    def get_guarded_case(self) -> Case:
        if not hasattr(self, "case"):
            self.case = get_object_or_404(
                Case.objects.visible_to(self.request.user), pk=self.kwargs["case_pk"]
            )
        return self.case

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Detention(case=self.case)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["case"] = self.case
        return context


class DetentionUpdate(
    GuardMixin, OneLookupMixin, SaveDetentionMixin, DetentionQueryMixin, RecordUpdateView
):
    form_class = DetentionForm

    def get_guarded_case(self) -> Case | None:
        return self.get_object().case

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The form's subtitle prints the record: show the name this user may see.
        context["object"] = Shown.of(self.object, label_of(self.object, self.request.user))
        return context


class DetentionDelete(GuardMixin, OneLookupMixin, DetentionQueryMixin, RecordDeleteView):
    def get_guarded_case(self) -> Case | None:
        return self.get_object().case

    def get_success_url(self):
        if self.object.case_id:
            return reverse("cases:case-detail", args=[self.object.case_id])
        return reverse("cases:detention-list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = Shown.of(self.object, label_of(self.object, self.request.user))
        return context


class DetentionActionMixin(GuardMixin, OneLookupMixin):
    """A form posted from the detail page; on error the page is shown again with it."""

    http_method_names = ["post"]
    form_class = None
    prefix = ""

    def get_guarded_case(self) -> Case | None:
        return self.get_object().case

    def get_form(self):
        return self.form_class(self.request.POST, prefix=self.prefix)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if form.is_valid():
            try:
                self.act(form.cleaned_data)
            except ValidationError as error:
                add_errors(form, error)
            else:
                return redirect("cases:detention-detail", self.object.pk)
        context = self.get_context_data(**{f"{self.prefix}_form": form})
        return self.render_to_response(context)

    def act(self, data: dict) -> None:
        raise NotImplementedError


class DetentionRelease(DetentionActionMixin, DetentionDetail):
    """Record that the detainee was released: the detention ends on a day, for a reason."""

    form_class = DetentionReleaseForm
    prefix = "release"

    def get_permission_required(self):
        return [perm(Detention, "view"), perm(Detention, "change")]

    def act(self, data: dict) -> None:
        release_detainee(
            detention=self.object,
            ended_on=data["ended_on"],
            precision=data["ended_precision"],
            reason=data["end_reason"],
            by=self.request.user,
        )
        messages.success(
            self.request,
            _("Recorded the end of the detention (%(label)s).")
            % {"label": label_of(self.object, self.request.user)},
        )


class DetentionTransition(DetentionActionMixin, DetentionDetail):
    """Move the detainee to the next stage: this row ends, the next one opens that day."""

    form_class = DetentionTransitionForm
    prefix = "transition"

    def get_permission_required(self):
        return [perm(Detention, "view"), perm(Detention, "change"), perm(Detention, "add")]

    def get_form(self):
        return self.form_class(self.request.POST, prefix=self.prefix, detention=self.object)

    def act(self, data: dict) -> None:
        following = change_detention(
            detention=self.object,
            kind=data["kind"],
            started_on=data["started_on"],
            facility=data["facility"],
            by=self.request.user,
        )
        messages.success(
            self.request,
            _("Recorded the next stage: %(label)s.")
            % {"label": label_of(following, self.request.user)},
        )
        self.object = following


# Extension orders hang off a detention: its visibility and its case decide access.


def visible_extensions(user):
    return DetentionExtension.objects.filter(
        detention__in=Detention.objects.visible_to(user).values("pk")
    ).select_related("detention__case")


class ExtensionCreate(GuardMixin, RecordCreateView):
    model = DetentionExtension
    form_class = DetentionExtensionForm

    def get_guarded_case(self) -> Case | None:
        if not hasattr(self, "detention"):
            self.detention = get_object_or_404(
                Detention.objects.visible_to(self.request.user).select_related("person", "case"),
                pk=self.kwargs["detention_pk"],
            )
        return self.detention.case

    def get_form_kwargs(self):
        instance = DetentionExtension(detention=self.detention)
        return {**super().get_form_kwargs(), "instance": instance}

    def get_success_url(self):
        return self.detention.get_absolute_url() + "#extensions"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.detention.get_absolute_url()
        return context


class ExtensionObjectMixin(GuardMixin, OneLookupMixin):
    model = DetentionExtension

    def get_queryset(self):
        return visible_extensions(self.request.user)

    def get_guarded_case(self) -> Case | None:
        return self.get_object().detention.case

    def get_success_url(self):
        return self.get_object().detention.get_absolute_url() + "#extensions"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # An extension order has no page of its own: "back" means its detention.
        extension = self.get_object()
        context["object"] = Shown(
            pk=extension.pk, label=str(extension), url=extension.detention.get_absolute_url()
        )
        return context


class ExtensionUpdate(ExtensionObjectMixin, RecordUpdateView):
    form_class = DetentionExtensionForm


class ExtensionDelete(ExtensionObjectMixin, RecordDeleteView):
    pass
