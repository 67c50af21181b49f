"""A job's state in the words of its kind, for the pages that list jobs."""

from django import template

from integration.jobs import KINDS
from integration.models import Job

register = template.Library()


@register.filter
def state_label(job: Job) -> str:
    """The job's state as its kind names it: "Done with 2 rows skipped" for an import that left rows out."""
    return KINDS[job.kind].state_label(job)
