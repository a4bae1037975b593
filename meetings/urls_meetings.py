"""Routes of the meetings themselves: the public lists and page, and the staff's meeting control."""

from django.urls import path

from meetings.views import meetings

urlpatterns = [
    path("v/<str:code>/meetings/", meetings.village_meetings, name="village-meetings"),
    path("t/<str:code>/meetings/", meetings.township_meetings, name="township-meetings"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting"),
    path("staff/meetings/", meetings.staff_meeting_list, name="staff-meetings"),
    path("staff/meetings/new/<str:code>/", meetings.staff_meeting_create, name="staff-meeting-create"),
    path("staff/meetings/<int:pk>/", meetings.staff_meeting, name="staff-meeting"),
    path("staff/meetings/<int:pk>/edit/", meetings.staff_meeting_edit, name="staff-meeting-edit"),
    path("staff/meetings/<int:pk>/annul/", meetings.staff_meeting_annul, name="staff-meeting-annul"),
    path("staff/meetings/<int:pk>/sign-in/", meetings.staff_sign_in, name="staff-sign-in"),
    path(
        "staff/meetings/<int:pk>/announce/",
        meetings.staff_transition,
        {"action": "announce"},
        name="staff-announce",
    ),
    path(
        "staff/meetings/<int:pk>/voting-open/",
        meetings.staff_transition,
        {"action": "voting-open"},
        name="staff-voting-open",
    ),
    path(
        "staff/meetings/<int:pk>/voting-close/",
        meetings.staff_transition,
        {"action": "voting-close"},
        name="staff-voting-close",
    ),
]
