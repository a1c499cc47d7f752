"""People: list, detail, create, edit, delete."""

from django.db.models import Prefetch
from django.utils import timezone

from cases import access
from cases.clocks import detention_clocks
from cases.duplicate_finder import matches_for_new
from cases.filters import PersonFilter
from cases.forms import PersonForm
from cases.models import CaseParty, Charge, Detention, Person

from .base import (
    RecordCreateView,
    RecordDeleteView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)


class PersonList(RecordListView):
    model = Person
    filterset_class = PersonFilter


class PersonDetail(RecordDetailView):
    model = Person

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        person = self.object
        context["parties"] = (
            CaseParty.objects.visible_to(user)
            .filter(person=person)
            .select_related("case")
            .prefetch_related(
                Prefetch("charges", queryset=Charge.objects.select_related("offence"))
            )
        )
        detentions = list(
            Detention.objects.visible_to(user)
            .filter(person=person)
            .select_related("person", "facility", "case")
            .prefetch_related("extensions")
        )
        clocks = detention_clocks(detentions, today=timezone.localdate())
        for detention in detentions:
            detention.clock = clocks[detention.pk]
        context["detentions"] = detentions
        context["identity_visible"] = not person.is_protected or access.sees_protected_identities(
            user
        )
        return context


class PersonCreate(RecordCreateView):
    """Create a person; first show the people they may already be, until "create anyway"."""

    model = Person
    form_class = PersonForm
    template_name = "cases/person_form.html"

    def form_valid(self, form):
        if not self.request.POST.get("create_anyway"):
            found = matches_for_new(self.request.user, **form.duplicate_probe())
            if found:
                return self.render_to_response(self.get_context_data(form=form, duplicates=found))
        return super().form_valid(form)


class PersonUpdate(RecordUpdateView):
    model = Person
    form_class = PersonForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class PersonDelete(RecordDeleteView):
    model = Person
    success_list = "cases:person-list"
