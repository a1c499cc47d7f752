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
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django_filters.views import FilterView

from cases.models import Case


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
        """Show the first page for ``?page=x`` and the last for a number past the end."""
        paginator = self.get_paginator(
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
        )
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_add"] = self.request.user.has_perm(perm(self.model, "add"))
        context["is_filtered"] = any(
            value for key, value in self.request.GET.items() if key not in ("page", "o")
        )
        return context


class RecordDetailView(VisibleMixin, PermissionRequiredMixin, DetailView):
    screen = "detail"

    def get_permission_required(self):
        return [perm(self.model, "view")]

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
    template_name = "cases/record_form.html"

    def get_permission_required(self):
        return [perm(self.model, "change")]


class RecordDeleteView(VisibleMixin, PermissionRequiredMixin, DeleteView):
    """Ask for confirmation, then delete; refuse with a message when other records depend on it."""

    template_name = "cases/record_confirm_delete.html"
    success_list = ""  # URL name of the list to go back to

    def get_permission_required(self):
        return [perm(self.model, "delete")]

    def get_success_url(self):
        return reverse(self.success_list)

    def form_valid(self, form):
        label = object_label(self.object, self.request.user)
        try:
            response = super().form_valid(form)
        except ProtectedError:
            messages.error(
                self.request,
                _("“%(object)s” cannot be deleted while other records refer to it.")
                % {"object": label},
            )
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("Deleted “%(object)s”.") % {"object": label})
        return response

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
