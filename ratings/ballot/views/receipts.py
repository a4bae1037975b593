"""Public pages of the ballot: anyone, no login.

The receipt check answers one question — was the ballot with this receipt counted? — with "counted" or
"not found", and only for meetings whose results are published (under public notice, or final).

Checks are limited per network address (portal.ratelimit.receipt_checks), in Django's cache: a check
writes nothing, and what it could leak is public anyway, since the counted receipts are published
with the anonymized ballots. The limit is a brake on load and on scripted guessing, sized so that a
village's shared connection is not shut out.
"""

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from meetings.models import Meeting
from portal import ratelimit
from portal.http import client_address
from ratings.ballot import services
from ratings.ballot.forms import ReceiptCheckForm


def published_meetings():
    """Meetings whose results are published, as the public chooses them: township, village, year."""
    return (
        Meeting.objects.results_published()
        .with_place()
        .order_by("village__township__name", "village__name", "-year")
    )


def _unpublished(request) -> Meeting | None:
    """The public meeting a link named (?meeting=), if its results are not published yet."""
    pk = request.GET.get("meeting", "")
    if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
        return None
    return (
        Meeting.objects.public()
        .exclude(pk__in=Meeting.objects.results_published())
        .select_related("village")
        .filter(pk=int(pk))
        .first()
    )


@require_http_methods(["GET", "POST"])
def receipt_check(request):
    """Public: a villager types the receipt from the terminal and learns whether the ballot was counted."""
    meetings = published_meetings()
    context = {"counted": None, "limited": False}
    status, retry_after = 200, None
    if request.method == "POST":
        form = ReceiptCheckForm(request.POST, meetings=meetings)
        try:
            ratelimit.receipt_checks().spend(client_address(request))
            if form.is_valid():
                context["counted"] = services.receipt_counted(
                    meeting=form.cleaned_data["meeting"], receipt=form.cleaned_data["receipt"]
                )
                context["checked_meeting"] = form.cleaned_data["meeting"]
            else:
                status = 400
        except ratelimit.RateLimited as limited:
            context["limited"] = True
            status, retry_after = 429, limited.retry_after
    else:
        form = ReceiptCheckForm(meetings=meetings, initial={"meeting": request.GET.get("meeting")})
        context["unpublished"] = _unpublished(request)
    context.update(form=form, any_published=meetings.exists())
    response = render(request, "ratings/ballot/receipt_check.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    # A receipt typed in is nobody else's business: no cache keeps the page.
    add_never_cache_headers(response)
    return response
