"""The visit log: the township's pages, the cadre's (on a phone), the household's own page by its card."""

from django.urls import path

from meetings.visits.views import counts, household, log, staff

urlpatterns = [
    path("staff/visits/", log.my_households, name="my-households"),
    path("staff/visits/new/", log.visit_new, name="visit-new"),
    path("staff/visits/worker.js", log.service_worker, name="visit-worker"),
    path("staff/visits/<id:pk>/photo/", log.visit_photo, name="visit-photo"),
    path("staff/visits/problems/<id:pk>/solve/", log.problem_solve, name="problem-solve"),
    path("staff/visit-log/", staff.index, name="visits-staff"),
    path("staff/visit-log/disputed/", staff.disputed, name="visits-disputed"),
    path("staff/visit-log/v/<str:code>/pairings/", staff.pairings, name="visit-pairings"),
    path("staff/visit-log/pairings/<id:pk>/end/", staff.pairing_end, name="pairing-end"),
    path("staff/visit-log/v/<str:code>/cards/", staff.cards, name="visit-cards"),
    path("staff/visit-log/t/<str:code>/policies/", staff.policies, name="visit-policies"),
    path("staff/visit-log/t/<str:code>/counts/", counts.frequency, name="visit-counts"),
    path("h/", household.enter_code, name="household-code"),
    path("h/<str:code>/", household.household_page, name="household-page"),
    path("h/<str:code>/visits/<id:pk>/did-not-happen/", household.visit_dispute, name="household-dispute"),
]
