"""Routes of the ballot on a shared terminal, named "ratings:kiosk…"."""

from django.urls import path

from ratings.views import kiosk

urlpatterns = [
    path("kiosk/", kiosk.welcome, name="kiosk"),
    path("kiosk/code/", kiosk.code, name="kiosk-code"),
    path("kiosk/cadre/<int:position>/", kiosk.cadre, name="kiosk-cadre"),
    path("kiosk/nominate/", kiosk.nominate, name="kiosk-nominate"),
    path("kiosk/review/", kiosk.review, name="kiosk-review"),
    path("kiosk/cast/", kiosk.cast, name="kiosk-cast"),
    path("kiosk/receipt/", kiosk.receipt, name="kiosk-receipt"),
    path("kiosk/reset/", kiosk.reset, name="kiosk-reset"),
]
