"""`{{ cadre|localname }}`: a name in the page's script, isolated in <bdi> (portal/names.py).

`{{ cadre|localname_text }}` gives the bare text, for attributes (alt, title, aria-label).
"""

from django import template

from portal.names import local_name, local_name_html

register = template.Library()


@register.filter
def localname(thing):
    return local_name_html(thing)


@register.filter
def localname_text(thing):
    return local_name(thing)
