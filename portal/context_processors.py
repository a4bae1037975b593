from django.conf import settings


def site(request):
    """What every layout needs: the languages for the switch and the current page to come back to."""
    return {
        "site_languages": settings.LANGUAGES,
        "current_path": request.get_full_path(),
    }
