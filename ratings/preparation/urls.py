from django.urls import path

from ratings.preparation import views

urlpatterns = [
    path("staff/v/<str:code>/prepare/", views.village_prepare, name="village-prepare"),
]
