"""What the visit log's pages share: the township a user manages, the household's page address and
its QR code."""

import segno
from django.http import Http404
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import Cadre, Township
from portal.permissions import Capability


def managed_township_or_404(user, code: str, capability: str = Capability.MANAGE_VISITS) -> Township:
    township = permissions.townships_with(user, capability).filter(code=code).first()
    if township is None:
        raise Http404(_("No such township."))
    return township


def own_cadre_or_404(user) -> Cadre:
    cadre = Cadre.objects.filter(user=user).select_related("village__township").first()
    if cadre is None or not permissions.has_capability(user, Capability.WRITE_OWN_CONTENT, cadre.village):
        raise Http404(_("This account is not linked to a cadre."))
    return cadre


def household_page_url(request, code: str) -> str:
    return request.build_absolute_uri(reverse("meetings:household-page", args=[code]))


def card_qr_svg(url: str) -> str:
    """The QR code of the card's address, as inline SVG markup (no style attribute: CSP)."""
    svg = segno.make_qr(url, error="m").svg_inline(scale=4, border=2, omitsize=True)
    return mark_safe(svg)  # noqa: S308 (segno's markup of our own address)
