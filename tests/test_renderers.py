"""The form renderer draws inputs, text areas and selects in Python: the same HTML, character for
character, as Django's own Jinja2 templates give."""

import pytest
from django import forms
from django.forms.renderers import Jinja2

from integration.forms import ColumnForm
from notionforms.renderers import WidgetRenderer

ATTRS = {"id": "id_field", "required": True, "disabled": False, "aria-describedby": "id_field_helptext"}
WIDGETS = [
    (forms.TextInput(attrs={"maxlength": 2000, "list": "recent-pages"}), "a \"quoted\" <b> & 'it'"),
    (forms.TextInput(), None),
    (forms.NumberInput(), 3),
    (forms.HiddenInput(), ""),
    (forms.EmailInput(), "someone@example.com"),
    (forms.URLInput(), "https://example.com/?a=1&b=2"),
    (forms.DateInput(), "2025-01-31"),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.ClearableFileInput(), None),
    (forms.Textarea(), "two lines\n<and markup>"),
    (forms.Textarea(), ""),
    (forms.Select(choices=[("a", "A & <b>"), ("b'\"", "B")]), "b'\""),
    (forms.Select(choices=[("", "None"), ("Group", [("1", "one"), ("2", "two")]), (3, 4)]), "2"),
    (forms.SelectMultiple(choices=[("a", "A"), ("b", "B")]), ["a", "b"]),
    (forms.Select(choices=[]), None),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda item: type(item).__name__)
def test_a_widget_is_drawn_as_djangos_jinja2_templates_draw_it(widget, value):
    drawn = widget.render("field", value, ATTRS, renderer=WidgetRenderer())

    assert drawn == widget.render("field", value, ATTRS, renderer=Jinja2())


def test_the_column_builders_rows_are_drawn_as_djangos_jinja2_templates_draw_them():
    row = ColumnForm(prefix="columns-0", data={"columns-0-type": "number", "columns-0-format": "percent"})
    row.is_valid()

    for field in row:
        widget, attrs = field.field.widget, {"id": field.auto_id}
        drawn = widget.render(field.html_name, field.value(), attrs, renderer=WidgetRenderer())
        assert drawn == widget.render(field.html_name, field.value(), attrs, renderer=Jinja2())
