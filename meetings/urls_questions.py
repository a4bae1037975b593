from django.urls import path

from meetings.views import questions

# Included by meetings.urls under the "meetings" namespace.
urlpatterns = [
    # Public
    path("meetings/<int:pk>/questions/ask/", questions.question_ask, name="question-ask"),
    path("v/<str:code>/commitments/", questions.commitment_list, name="commitments"),
    path("commitments/<int:pk>/", questions.commitment_detail, name="commitment"),
    # Staff: the clerk and the moderators
    path("staff/meetings/<int:pk>/questions/", questions.questions_record, name="questions-record"),
    path("staff/meetings/<int:pk>/commitments/new/", questions.commitment_create, name="commitment-create"),
    path("staff/questions/", questions.question_queue, name="question-queue"),
    path("staff/questions/<int:pk>/approve/", questions.question_approve, name="question-approve"),
    path("staff/questions/<int:pk>/hide/", questions.question_hide, name="question-hide"),
    path(
        "staff/questions/<int:pk>/commitment/",
        questions.commitment_from_question,
        name="commitment-from-question",
    ),
    # Staff: the cadre's own
    path("staff/my/questions/", questions.my_questions, name="my-questions"),
    path("staff/questions/<int:pk>/answer/", questions.question_answer, name="question-answer"),
    path("staff/my/commitments/", questions.my_commitments, name="my-commitments"),
    path("staff/commitments/<int:pk>/", questions.commitment_manage, name="commitment-manage"),
    path(
        "staff/commitments/<int:pk>/updates/", questions.commitment_update_add, name="commitment-update-add"
    ),
    path("staff/commitments/<int:pk>/status/", questions.commitment_status, name="commitment-status"),
]
