"""Public pages: anyone may read them, no login."""

from django.shortcuts import get_object_or_404, render

from portal.models import Cadre, Township, Village


def home(request):
    """Every public page is open to all; the home page lists the townships and their villages."""
    townships = Township.objects.prefetch_related("villages").order_by("code")
    return render(
        request,
        "portal/home.html",
        {
            "townships": townships,
            # Meetings arrive with their own app; until then both lists are empty.
            "upcoming_meetings": [],
            "recent_meetings": [],
        },
    )


def village_detail(request, code):
    """Public: the village, its cadres and the posts they hold."""
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    cadres = Cadre.objects.in_village(village).with_posts()
    return render(request, "portal/village_detail.html", {"village": village, "cadres": cadres})
