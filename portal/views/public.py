"""Public pages: anyone may read them, no login."""

from django.shortcuts import get_object_or_404, render

from meetings.models import Meeting
from portal.models import Cadre, Township, Village
from ratings.models import ResultSnapshot

HOME_MEETINGS = 8
VILLAGE_MEETINGS = 10


def home(request):
    """Every public page is open to all; the home page lists the townships and their villages."""
    townships = Township.objects.prefetch_related("villages").order_by("code")
    return render(
        request,
        "portal/home.html",
        {
            "townships": townships,
            "upcoming_meetings": Meeting.objects.upcoming().select_related("village")[:HOME_MEETINGS],
            "recent_meetings": Meeting.objects.recent().select_related("village")[:HOME_MEETINGS],
            # The public notice (公示) is the villagers' chance to object: it heads the page.
            "under_notice": ResultSnapshot.objects.live()
            .under_notice()
            .with_meeting()
            .order_by("notice_ends", "meeting__village__code")[:HOME_MEETINGS],
        },
    )


def village_detail(request, code):
    """Public: the village, its cadres and the posts they hold, and its latest meetings."""
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    cadres = Cadre.objects.in_village(village).with_posts()
    meetings = Meeting.objects.in_village(village).public()[:VILLAGE_MEETINGS]
    return render(
        request, "portal/village_detail.html", {"village": village, "cadres": cadres, "meetings": meetings}
    )
