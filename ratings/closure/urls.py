"""Routes of the closure certificate and the scrutineers, all named "ratings:<name>"."""

from django.urls import path

from ratings.closure import views

urlpatterns = [
    path("staff/meetings/<id:pk>/certificate/", views.certificate, name="certificate"),
    path(
        "staff/meetings/<id:pk>/certificate/confirm/", views.certificate_confirm, name="certificate-confirm"
    ),
    path("staff/meetings/<id:pk>/certificate/paper/", views.certificate_paper, name="certificate-paper"),
    path("staff/meetings/<id:pk>/scrutineers/", views.scrutineers, name="scrutineers"),
    path("staff/scrutineers/<id:pk>/remove/", views.scrutineer_remove, name="scrutineer-remove"),
]
