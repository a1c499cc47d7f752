"""The case page's fair-trial section and next-hearing quick add, without cases importing us."""

from __future__ import annotations

from django import template

from observations.forms import QuickHearingForm
from observations.models import FairnessAssessment
from observations.rollup import case_rollup

register = template.Library()


@register.inclusion_tag("observations/case_section.html", takes_context=True)
def case_fair_trial(context, case):
    """Render the roll-up summary (violations first) and the fairness grade of a case."""
    user = context["user"]
    if not user.has_perm("observations.view_observation"):
        return {"show": False}
    return {
        "show": True,
        "case": case,
        "rollup": case_rollup(case),
        "assessment": FairnessAssessment.objects.filter(case=case).first(),
    }


@register.inclusion_tag("observations/quick_hearing.html", takes_context=True)
def quick_hearing_form(context, case):
    """Render the two-field form that schedules the case's next hearing."""
    request = context["request"]
    form = QuickHearingForm(
        initial={key: request.GET[key] for key in ("scheduled_at", "kind") if key in request.GET},
        prefix=None,
    )
    return {"case": case, "form": form, "csrf_token": context.get("csrf_token")}
