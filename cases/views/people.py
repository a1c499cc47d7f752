"""People: list, detail, create, edit, delete."""

from django.db.models import Prefetch

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
        context["detentions"] = (
            Detention.objects.visible_to(user)
            .filter(person=person)
            .select_related("facility", "case")
        )
        return context


class PersonCreate(RecordCreateView):
    model = Person
    form_class = PersonForm


class PersonUpdate(RecordUpdateView):
    model = Person
    form_class = PersonForm


class PersonDelete(RecordDeleteView):
    model = Person
    success_list = "cases:person-list"
