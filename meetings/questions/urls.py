from django.urls import path

from meetings.questions import views

# Included by meetings.urls under the "meetings" namespace.
urlpatterns = [
    # Public
    path("meetings/<id:pk>/questions/ask/", views.question_ask, name="question-ask"),
    path("v/<str:code>/commitments/", views.commitment_list, name="commitments"),
    path("commitments/<id:pk>/", views.commitment_detail, name="commitment"),
    # Staff: the clerk and the moderators
    path("staff/meetings/<id:pk>/questions/", views.questions_record, name="questions-record"),
    path("staff/meetings/<id:pk>/commitments/new/", views.commitment_create, name="commitment-create"),
    path("staff/questions/", views.question_queue, name="question-queue"),
    path("staff/questions/<id:pk>/approve/", views.question_approve, name="question-approve"),
    path("staff/questions/<id:pk>/hide/", views.question_hide, name="question-hide"),
    path(
        "staff/questions/<id:pk>/commitment/",
        views.commitment_from_question,
        name="commitment-from-question",
    ),
    # Staff: the cadre's own
    path("staff/my/questions/", views.my_questions, name="my-questions"),
    path("staff/questions/<id:pk>/answer/", views.question_answer, name="question-answer"),
    path("staff/my/commitments/", views.my_commitments, name="my-commitments"),
    path("staff/commitments/<id:pk>/", views.commitment_manage, name="commitment-manage"),
    path("staff/commitments/<id:pk>/updates/", views.commitment_update_add, name="commitment-update-add"),
    path("staff/commitments/<id:pk>/status/", views.commitment_status, name="commitment-status"),
]
