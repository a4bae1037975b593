"""Routes of the scheme editor, all named "ratings:<name>"."""

from django.urls import path

from ratings.schemes import views

urlpatterns = [
    path("staff/schemes/", views.scheme_list, name="schemes"),
    path("staff/schemes/<id:pk>/", views.scheme_edit, name="scheme"),
    path("staff/schemes/<id:pk>/copy/", views.scheme_copy, name="scheme-copy"),
]
