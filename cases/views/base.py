"""The few generic pieces every screen is made of.

Every view reaches data through ``Model.objects.visible_to(user)``: a record the user may not
see answers 404. Writes need the model permission (403 otherwise) and, for anything that hangs
off a case, a case the user may edit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django_filters.views import FilterView

import audit
from audit.display import describe_conflict
from audit.models import Action
from cases.models import Case
from cases.models.base import EditConflict
from cases.pagination import paginate
from cases.services.records import RecordInUse, delete_record


def perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def object_label(obj, user) -> str:
    """Name a record for this user: records naming a person say only what the user may see."""
    label_for = getattr(obj, "label_for", None)
    return label_for(user) if label_for else str(obj)


class VisibleMixin:
    """Scope the queryset to what the user may see, in the screen's shape."""

    model = None
    screen = None  # "list" or "detail": calls for_list() / for_detail() when defined

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        bundle = getattr(qs, f"for_{self.screen}", None) if self.screen else None
        return bundle() if bundle else qs


class RecordListView(VisibleMixin, PermissionRequiredMixin, FilterView):
    screen = "list"
    paginate_by = None
    template_name_suffix = "_list"

    def get_permission_required(self):
        return [perm(self.model, "view")]

    def get_paginate_by(self, queryset):
        return self.paginate_by or settings.PAGINATE_BY

    def paginate_queryset(self, queryset, page_size):
        """Page by keyset (``cases.pagination``): a deep page costs what the first one costs.

        ``?page=x`` shows the first page, a number past the end the last one, and a cursor
        that cannot be read the page by its number.
        """
        page = paginate(queryset, self.request.GET, page_size, param=self.page_kwarg)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm(perm(self.model, "add"))
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key not in ("page", "o")
        )
        return context


def record_restricted_view(obj, *, detail: str = "") -> None:
    """Add a "view" event to the audit trail when ``obj`` is, or belongs to, a restricted case."""
    case = obj if isinstance(obj, Case) else getattr(obj, "case_for_access", None)
    if case is not None and case.is_restricted:
        audit.record(action=Action.VIEW, obj=obj, detail=detail)


class RecordDetailView(VisibleMixin, PermissionRequiredMixin, DetailView):
    screen = "detail"

    def get_permission_required(self):
        return [perm(self.model, "view")]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        record_restricted_view(self.object)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_change"] = self.can_change(self.object)
        context["can_delete"] = self.request.user.has_perm(perm(self.model, "delete"))
        return context

    def can_change(self, obj) -> bool:
        return self.request.user.has_perm(perm(self.model, "change"))


class WriteMixin:
    """Success messages and redirects shared by create and update views."""

    success_message = ""

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, self.get_success_message())
        return response

    def get_success_message(self) -> str:
        label = object_label(self.object, self.request.user)
        return self.success_message or _("Saved “%(object)s”.") % {"object": label}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = self.model._meta.verbose_name
        if getattr(self, "object", None) is not None and self.object.pk:
            context["object_label"] = object_label(self.object, self.request.user)
        return context


class RecordCreateView(WriteMixin, PermissionRequiredMixin, CreateView):
    template_name = "cases/record_form.html"

    def get_permission_required(self):
        return [perm(self.model, "add")]


class RecordUpdateView(WriteMixin, VisibleMixin, PermissionRequiredMixin, UpdateView):
    """Edit a record; an edit based on a version someone has changed since is refused, with
    who changed what, and the user's input kept (never last-write-wins)."""

    template_name = "cases/record_form.html"

    def get_permission_required(self):
        return [perm(self.model, "change")]

    def get_form(self, form_class=None):
        self._form = super().get_form(form_class)
        return self._form

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except EditConflict as conflict:
            return edit_conflict_response(self, self._form, conflict)


def edit_conflict_response(view, form, conflict: EditConflict):
    """Show the form again with the user's input, what changed meanwhile, and the new version.

    Saving it again is then a deliberate choice made with the other change in view.
    """
    record = conflict.record
    data = form.data.copy()
    data[form.add_prefix("version")] = str(conflict.stored_version)
    form.data = data
    label = getattr(view, "label", None)
    shown = describe_conflict(
        record,
        based_on=conflict.based_on,
        user=view.request.user,
        label=label() if callable(label) else object_label(record, view.request.user),
    )
    form.add_error(None, shown.message)
    context = view.get_context_data(form=form, conflict=shown)
    return view.render_to_response(context, status=409)


class RecordDeleteView(VisibleMixin, PermissionRequiredMixin, DeleteView):
    """Ask for confirmation, then mark the record deleted (a supervisor can restore it); refuse
    with a message while other records depend on it."""

    template_name = "cases/record_confirm_delete.html"
    success_list = ""  # URL name of the list to go back to

    def get_permission_required(self):
        return [perm(self.model, "delete")]

    def get_success_url(self):
        return reverse(self.success_list)

    def get_refused_url(self) -> str:
        return self.object.get_absolute_url()

    def label(self) -> str:
        """Name the record as this user may see it (``str()`` may show a protected name)."""
        return object_label(self.object, self.request.user)

    def form_valid(self, form):
        label = self.label()
        try:
            delete_record(record=self.object, by=self.request.user)
        except RecordInUse:
            messages.error(
                self.request,
                _("“%(object)s” cannot be deleted while other records refer to it.")
                % {"object": label},
            )
            return HttpResponseRedirect(self.get_refused_url())
        messages.success(self.request, _("Deleted “%(object)s”.") % {"object": label})
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["verbose_name"] = self.model._meta.verbose_name
        context["object_label"] = object_label(self.object, self.request.user)
        return context


class CaseChildMixin:
    """For records that hang off a case: load the case the user may see (404 otherwise, before
    any 403), then refuse writes unless the user may edit that case. The case comes from the
    URL (create) or from the record (edit, delete); a record without a case (a detention
    recorded on its own) needs only the model permission."""

    case_kwarg = "case_pk"

    def get_case(self) -> Case | None:
        if not hasattr(self, "_case"):
            if self.case_kwarg in self.kwargs:
                self._case = get_object_or_404(
                    Case.objects.visible_to(self.request.user), pk=self.kwargs[self.case_kwarg]
                )
            else:
                self._case = self.get_object().case_for_access
        return self._case

    def get_object(self, queryset=None):
        # dispatch() and the generic view both ask for the object: look it up once.
        if queryset is not None:
            return super().get_object(queryset)
        if not hasattr(self, "_object"):
            self._object = super().get_object()
        return self._object

    def check_case_editable(self):
        case = self.get_case()
        if case is not None and not case_is_editable(self.request.user, case):
            raise PermissionDenied(_("You may not change the records of this case."))

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.get_case()
            if self.has_permission():
                self.check_case_editable()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["case"] = self.get_case()
        return context


def case_is_editable(user, case: Case | None) -> bool:
    """Return True when the user may change the records of this case (or of no case)."""
    if case is None:
        return True
    return Case.objects.editable_by(user).filter(pk=case.pk).exists()


class CaseEditableDetailMixin:
    """Detail views of case children: may the user change this record?"""

    def can_change(self, obj) -> bool:
        return self.request.user.has_perm(perm(self.model, "change")) and case_is_editable(
            self.request.user, obj.case_for_access
        )
