"""`{{ cadre|localname }}`: a name in the page's script, isolated in <bdi> (portal/names.py).

`{{ cadre|localname_text }}` gives the bare text, for attributes (alt, title, aria-label).
"""

from django import template

from portal.names import local_award_html, local_name, local_name_html

register = template.Library()


@register.filter
def localname(thing):
    return local_name_html(thing)


@register.filter
def localname_text(thing):
    return local_name(thing)


@register.filter
def localaward(household):
    """An honor roll household's award in the page's script, isolated in <bdi>."""
    return local_award_html(household)
