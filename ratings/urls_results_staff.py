"""Routes of the staff's results pages: review and publication, objections, the honor roll."""

from django.urls import path

from ratings.views import results_staff

urlpatterns = [
    path("staff/meetings/<int:pk>/results/", results_staff.results_review, name="staff-results"),
    path(
        "staff/meetings/<int:pk>/results/compute/",
        results_staff.results_compute,
        name="staff-results-compute",
    ),
    path(
        "staff/meetings/<int:pk>/results/publish/",
        results_staff.results_publish,
        name="staff-results-publish",
    ),
    path(
        "staff/meetings/<int:pk>/results/finalize/",
        results_staff.results_finalize,
        name="staff-results-finalize",
    ),
    path("staff/objections/", results_staff.objection_queue, name="staff-objections"),
    path("staff/objections/<int:pk>/rule/", results_staff.objection_rule, name="staff-objection-rule"),
    path("staff/meetings/<int:pk>/honor-roll/", results_staff.honor_roll, name="staff-honor"),
    path(
        "staff/meetings/<int:pk>/honor-roll/nominate/",
        results_staff.honor_nominate,
        name="staff-honor-nominate",
    ),
    path(
        "staff/meetings/<int:pk>/honor-roll/collect/", results_staff.honor_collect, name="staff-honor-collect"
    ),
    path("staff/honor-candidates/<int:pk>/review/", results_staff.honor_review, name="staff-honor-review"),
]
