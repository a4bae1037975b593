"""Routes of the operator's ballot pages: codes, slips and terminals of one meeting."""

from django.urls import path

from ratings.views import operator

urlpatterns = [
    path("staff/meetings/<int:pk>/codes/", operator.codes_page, name="codes"),
    path("staff/meetings/<int:pk>/codes/issue/", operator.code_issue, name="code-issue"),
    path("staff/meetings/<int:pk>/codes/reissue/", operator.code_reissue, name="code-reissue"),
    path("staff/meetings/<int:pk>/codes/batch/", operator.codes_batch, name="codes-batch"),
    path("staff/meetings/<int:pk>/codes/void/", operator.code_void, name="code-void"),
    path("staff/meetings/<int:pk>/poll-book/", operator.poll_book_record, name="poll-book-record"),
    path("staff/meetings/<int:pk>/terminals/", operator.terminals_page, name="terminals"),
    path("staff/meetings/<int:pk>/terminals/arm/", operator.terminal_arm, name="terminal-arm"),
    path(
        "staff/meetings/<int:pk>/terminals/<int:terminal>/disarm/",
        operator.terminal_disarm,
        name="terminal-disarm",
    ),
]
