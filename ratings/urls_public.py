"""Routes of the public pages of the ballot."""

from django.urls import path

from ratings.views import public

urlpatterns = [
    path("receipts/", public.receipt_check, name="receipt-check"),
]
