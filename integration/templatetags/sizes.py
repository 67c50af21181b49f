"""Sizes as a person reads them."""

import re

from django import template
from django.template.defaultfilters import filesizeformat

register = template.Library()


@register.filter
def file_size(value: int) -> str:
    """A number of bytes as `filesizeformat` says it, without a needless ".0": "20 MB", "1.5 MB"."""
    return re.sub(r"[.,]0(?=\xa0)", "", filesizeformat(value))
