"""The monitoring of households at risk found at visits."""

from django.urls import path

from meetings.monitoring import views

urlpatterns = [
    path("staff/visits/<id:visit>/risk/", views.flag_new, name="risk-flag-new"),
    path("staff/risks/<id:pk>/", views.flag_detail, name="risk-flag"),
    path("staff/risks/<id:pk>/measures/", views.measure_assign, name="risk-measure-assign"),
    path("staff/risks/<id:pk>/close/", views.flag_close, name="risk-flag-close"),
    path("staff/risk-measures/<id:pk>/done/", views.measure_done, name="risk-measure-done"),
]
