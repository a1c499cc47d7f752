"""The form renderer writes, in Python, exactly what Django's form templates write."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.urls import reverse
from django.utils.safestring import mark_safe

from cases.form_renderer import FastRenderer
from tests.factories import make_case, make_court, make_detention, make_party

pytestmark = pytest.mark.django_db

TOKENS = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"')


class Everything(forms.Form):
    """Every widget the renderer writes in Python, with values that need escaping."""

    text = forms.CharField(
        label='Name <b>& "quotes"</b>',
        initial='a "b" <c> & d',
        widget=forms.TextInput(attrs={"autofocus": False, "spellcheck": "false"}),
    )
    safe = forms.CharField(label=mark_safe("<em>Safe</em> label"), required=False)
    number = forms.IntegerField(help_text="How many", min_value=0)
    email = forms.EmailField(required=False, disabled=True)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "data-x": "1 < 2"}))
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h&idden")
    search = forms.CharField(widget=forms.SearchInput, required=False)
    tick = forms.BooleanField(required=False, initial=True)
    choice = forms.ChoiceField(
        choices=[("", "---"), ("a", "A & a"), (3, 3), ("x", mark_safe("<i>x</i>"))],
        initial=3,
    )
    grouped = forms.ChoiceField(
        choices=[("", "Any"), ("North <1>", [("n1", "N1"), ("n2", "N2")]), ("s", "South")]
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], initial=["a", "b"])
    radio = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)  # Django's


def rendered(form, renderer) -> list[str]:
    form.renderer = renderer
    return [html for field in form for html in (str(field), field.label_tag(), str(field.errors))]


@pytest.mark.parametrize("bound", [False, True])
def test_every_widget_is_written_as_djangos_templates_write_it(bound):
    data = {"text": "<script>", "number": "-1", "choice": "x", "grouped": "n2", "many": ["b"]}
    fast = rendered(Everything(data if bound else None), FastRenderer())
    django = rendered(Everything(data if bound else None), DjangoTemplates())
    assert fast == django
    assert (
        any("<optgroup" in html for html in fast)
        and any("&lt;script&gt;" in html for html in fast) == bound
    )


def test_the_pages_forms_are_the_same_with_djangos_renderer(client_for, supervisor, settings):
    """The list pages (their filter forms) and the edit forms, as the user gets them."""
    assert isinstance(get_default_renderer(), FastRenderer)
    case = make_case()
    make_party(case=case)
    make_court()
    make_detention(case=case)
    client = client_for(supervisor)
    lists = ["case", "hearing", "outcome", "detention", "followup", "person", "court", "facility"]
    urls = [reverse(f"cases:{name}-list") for name in lists]
    urls += [reverse("cases:case-list") + "?status=open&court=999&opened_after=bad"]
    urls += [reverse("cases:case-create"), reverse("cases:case-update", args=[case.pk])]
    urls += [reverse("cases:party-create", args=[case.pk]), reverse("cases:person-create")]

    def pages():
        get_default_renderer.cache_clear()
        result = []
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            result.append(TOKENS.sub(r"\1", response.content.decode()))
        return result

    fast = pages()
    settings.FORM_RENDERER = "django.forms.renderers.DjangoTemplates"
    try:
        assert pages() == fast
    finally:
        get_default_renderer.cache_clear()
