"""The audit log (administrators) and the history of one record (supervisors)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required, user_passes_test
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.text import capfirst
from django.views.decorators.http import require_safe

from .display import HISTORY_PERMISSION, model_of, record_labels, show_events
from .filters import AuditEventFilter
from .models import AuditEvent


def _staff(user) -> bool:
    if not user.is_staff:
        raise PermissionDenied
    return True


@require_safe
@user_passes_test(_staff)
@permission_required("audit.view_auditevent", raise_exception=True)
def event_list(request):
    """List every audit event, newest first, filtered by actor, action, record and date."""
    events = AuditEventFilter(request.GET, queryset=AuditEvent.objects.all())
    page = Paginator(events.qs, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    context = {
        "filter": events,
        "page_obj": page,
        "paginator": page.paginator,
        "events": show_events(page.object_list, request.user),
        "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    return render(request, "audit/event_list.html", context)


@require_safe
@permission_required(HISTORY_PERMISSION, raise_exception=True)
def history(request, app_label: str, model_name: str, pk: int):
    """Show who changed what on one record, newest first, as a diff of each change."""
    label = f"{app_label}.{model_name}".lower()
    model = model_of(label)
    events = AuditEvent.objects.for_record(label, str(pk))
    if model is None:
        raise Http404
    # Deleted records too; a record removed from the database still has its history.
    record = model._base_manager.filter(pk=pk).first()
    if record is None and not events.exists():
        raise Http404
    page = Paginator(events, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    context = {
        "model_name": capfirst(model._meta.verbose_name),
        "record": record,
        "record_label": record_labels(model, [pk], request.user).get(str(pk), f"#{pk}"),
        "page_obj": page,
        "paginator": page.paginator,
        "events": show_events(page.object_list, request.user),
    }
    return render(request, "audit/history.html", context)
