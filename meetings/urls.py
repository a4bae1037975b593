from django.urls import include, path

app_name = "meetings"

# Each area of the app keeps its own routes; all of them are named "meetings:<name>".
urlpatterns = [
    path("", include("meetings.urls_meetings")),
    path("", include("meetings.urls_reports")),
    path("", include("meetings.urls_questions")),
]
