"""Routes of the ballot, all named "ratings:<name>": the operator's pages (codes, slips, poll book,
terminals), the kiosk on a shared terminal, the ballot on a villager's phone, and the public receipt
check."""

from django.urls import path

from ratings.ballot.views import kiosk, operator, phone, receipts

urlpatterns = [
    # The operator's pages of one meeting
    path("staff/meetings/<id:pk>/codes/", operator.codes_page, name="codes"),
    path("staff/meetings/<id:pk>/codes/issue/", operator.code_issue, name="code-issue"),
    path("staff/meetings/<id:pk>/codes/reissue/", operator.code_reissue, name="code-reissue"),
    path("staff/meetings/<id:pk>/codes/batch/", operator.codes_batch, name="codes-batch"),
    path("staff/meetings/<id:pk>/codes/void/", operator.code_void, name="code-void"),
    path("staff/meetings/<id:pk>/poll-book/", operator.poll_book_record, name="poll-book-record"),
    path("staff/meetings/<id:pk>/poll-book/paper/", operator.paper_issue, name="paper-issue"),
    path(
        "staff/meetings/<id:pk>/poll-book/assisted/", operator.poll_book_assisted, name="poll-book-assisted"
    ),
    path(
        "staff/meetings/<id:pk>/poll-book/assisted/undo/",
        operator.poll_book_assisted_undo,
        name="poll-book-assisted-undo",
    ),
    path("staff/meetings/<id:pk>/terminals/", operator.terminals_page, name="terminals"),
    path("staff/meetings/<id:pk>/terminals/arm/", operator.terminal_arm, name="terminal-arm"),
    path(
        "staff/meetings/<id:pk>/terminals/<id:terminal>/disarm/",
        operator.terminal_disarm,
        name="terminal-disarm",
    ),
    path(
        "staff/meetings/<id:pk>/terminals/<id:terminal>/clear/",
        operator.terminal_clear,
        name="terminal-clear",
    ),
    path("staff/meetings/<id:pk>/terminals/screens/", operator.terminal_screens, name="terminal-screens"),
    # The kiosk: a shared terminal
    path("kiosk/", kiosk.welcome, name="kiosk"),
    path("kiosk/code/", kiosk.code, name="kiosk-code"),
    path("kiosk/ballot/", kiosk.ballot, name="kiosk-ballot"),
    path("kiosk/cast/", kiosk.cast, name="kiosk-cast"),
    path("kiosk/receipt/", kiosk.receipt, name="kiosk-receipt"),
    path("kiosk/reset/", kiosk.reset, name="kiosk-reset"),
    path("kiosk/heartbeat/", kiosk.heartbeat, name="kiosk-heartbeat"),
    # A villager's own phone, opened by the QR code of a slip
    path("vote/<id:pk>/", phone.start, name="phone"),
    path("vote/<id:pk>/ballot/", phone.ballot, name="phone-ballot"),
    path("vote/<id:pk>/cast/", phone.cast, name="phone-cast"),
    path("vote/<id:pk>/receipt/", phone.receipt, name="phone-receipt"),
    path("vote/<id:pk>/reset/", phone.reset, name="phone-reset"),
    # Public
    path("receipts/", receipts.receipt_check, name="receipt-check"),
]
