"""What users see of reminders: their inbox, their preferences and their calendar feed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import calendar
from .forms import ReminderPreferenceForm
from .models import CalendarFeed, Notification, ReminderPreference


def local_url(url: str) -> str | None:
    """Return ``url`` when it is a path on this site, else None (never an open redirect)."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return None


def back_to_list(request: HttpRequest) -> HttpResponseRedirect:
    """Redirect to the ``next`` page of the inbox the form came from, or to its first page."""
    return redirect(local_url(request.POST.get("next", "")) or "reminders:notification-list")


# Notifications ---------------------------------------------------------------------------


@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    """Show the user's notifications, newest first, a page at a time."""
    notifications = Notification.objects.for_user(request.user)
    page = Paginator(notifications, settings.PAGINATE_BY).get_page(request.GET.get("page"))
    context = {"page_obj": page, "paginator": page.paginator, "notifications": page.object_list}
    return render(request, "reminders/notification_list.html", context)


@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go back to the inbox."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    notification.mark_read()
    return back_to_list(request)


@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a notification read and follow its link when that link stays on this site."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    notification.mark_read()
    target = local_url(notification.url)
    if target is None:
        messages.warning(request, _("This notification has no link to open."))
        return redirect("reminders:notification-list")
    return redirect(target)


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the user read."""
    count = Notification.objects.for_user(request.user).unread().update(read_at=timezone.now())
    message = ngettext(
        "Marked %(count)d notification as read.", "Marked %(count)d notifications as read.", count
    )
    messages.success(request, message % {"count": count})
    return back_to_list(request)


# Preferences -----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Show and save which reminders the user receives and how (the row is made on save)."""
    preference = ReminderPreference.objects.filter(user=request.user).first()
    instance = preference or ReminderPreference(user=request.user)
    form = ReminderPreferenceForm(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your reminder settings were saved."))
            return redirect("reminders:preferences")
        messages.error(request, _("Your settings were not saved: see the problems below."))
    return render(request, "reminders/preferences.html", {"form": form})


# Calendar feed ---------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Explain the private feed; create, replace or revoke it (a new address is shown once)."""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            CalendarFeed.objects.filter(user=request.user).delete()
            messages.success(request, _("Your calendar feed was revoked: its address is dead."))
            return redirect("reminders:calendar")
        if action != "issue":
            messages.error(request, _("Unknown action."))
            return redirect("reminders:calendar")
        token = CalendarFeed.issue(request.user)
        new_url = request.build_absolute_uri(reverse("reminders:calendar-feed", args=[token]))
    else:
        new_url = ""
    context = {
        "feed": CalendarFeed.objects.filter(user=request.user).first(),
        "new_feed_url": new_url,
    }
    response = render(request, "reminders/calendar.html", context)
    # The page may hold the secret address: keep it out of every cache and the history.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_not_required
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Serve the feed of a token to a calendar app (no login: the token is the key)."""
    feed = CalendarFeed.for_token(token)
    if feed is None:
        raise Http404
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    body = calendar.build_feed(feed.user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
