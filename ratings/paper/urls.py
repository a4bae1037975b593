"""Routes of the paper count, all named "ratings:paper…": staff pages of one meeting."""

from django.urls import path

from ratings.paper import views

PAPER = "staff/meetings/<id:pk>/paper/"

urlpatterns = [
    path(PAPER, views.paper_home, name="paper"),
    path(f"{PAPER}print/", views.paper_print, name="paper-print"),
    path(f"{PAPER}print/<uuid:run>/", views.paper_sheets, name="paper-sheets"),
    path(f"{PAPER}upload/", views.paper_upload, name="paper-upload"),
    path(f"{PAPER}pages/<uuid:page>/", views.page_view, name="paper-page"),
    path(f"{PAPER}pages/<uuid:page>/image/", views.page_image, name="paper-page-image"),
    path(f"{PAPER}pages/<uuid:page>/identify/", views.page_identify, name="paper-page-identify"),
    path(f"{PAPER}pages/<uuid:page>/set-aside/", views.page_set_aside, name="paper-page-set-aside"),
    path(f"{PAPER}lines/<uuid:decision>/", views.decision_view, name="paper-decision"),
    path(f"{PAPER}lines/<uuid:decision>/image/", views.decision_image, name="paper-decision-image"),
    path(f"{PAPER}lines/<uuid:decision>/enter/", views.decision_enter, name="paper-decision-enter"),
    path(f"{PAPER}key/", views.key_sheet, name="paper-key"),
    path(f"{PAPER}key/enter/", views.key_enter, name="paper-key-enter"),
    path(f"{PAPER}close/", views.paper_close, name="paper-close"),
]
