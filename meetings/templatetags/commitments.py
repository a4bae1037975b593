"""Template helpers for commitments: the status badge and how a commitment ended."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.translation import gettext as _

from meetings.models import Commitment

register = template.Library()

BADGE_CLASSES = {
    Commitment.Status.OPEN: "text-bg-secondary",
    Commitment.Status.IN_PROGRESS: "text-bg-primary",
    Commitment.Status.DONE: "text-bg-success",
}


@register.simple_tag
def commitment_status(commitment: Commitment) -> str:
    """The status as a badge; an overdue commitment gets a second, red one."""
    status = Commitment.Status(commitment.status)
    if status == Commitment.Status.DONE and commitment.done_at:
        label = _("done on %(date)s") % {"date": date_filter(commitment.done_at, "DATE_FORMAT")}
    else:
        label = status.label
    badge = format_html('<span class="badge {}">{}</span>', BADGE_CLASSES[status], label)
    if commitment.is_overdue:
        badge = format_html('{} <span class="badge text-bg-danger">{}</span>', badge, _("overdue"))
    return badge


@register.simple_tag
def commitment_outcome(commitment: Commitment) -> str:
    """How last year's commitment ended, as next year's meeting page says it."""
    if commitment.status == Commitment.Status.DONE:
        when = date_filter(commitment.done_at, "DATE_FORMAT") if commitment.done_at else ""
        text = _("Done on %(date)s") % {"date": when} if when else _("Done")
        return format_html('<span class="badge text-bg-success">{}</span>', text)
    if commitment.is_overdue:
        text = _("Overdue since %(date)s") % {"date": date_filter(commitment.due_date, "DATE_FORMAT")}
        return format_html('<span class="badge text-bg-danger">{}</span>', text)
    if commitment.status == Commitment.Status.IN_PROGRESS:
        return format_html('<span class="badge text-bg-primary">{}</span>', _("Still in progress"))
    return format_html('<span class="badge text-bg-secondary">{}</span>', _("Still open"))
