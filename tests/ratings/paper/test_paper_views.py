"""The paper count's pages over HTTP: who may use them, printing, the desk's paper button, uploads
good and bad, two people reading a line, keying, the closure, and the results waiting for it."""

import re
from pathlib import Path

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from portal.models import AuditEntry, Cadre, Village
from portal.uploads import upload_cutoff
from ratings.models import Ballot, PaperDecision, PaperPage, PaperPrint, PollBookEntry
from ratings.paper import services, views
from ratings.results.services import publish_blockers
from tests.portal.test_hostile_roll_files import HugeBody
from tests.ratings.paper.marked import marked_page, paper_world
from tests.worlds import make_resident

pytestmark = pytest.mark.usefixtures("english", "english_pages")
# Session and user; the meeting; its cadres, their posts, criteria and grades (the layout and the
# labels); the sheets with their pages, keyings and decisions (one query each, prefetched); the
# closure, the poll book's paper count, the sheets printed, the lines decided and the unreadable pages
# (the figures); the closure and the lines to decide (the page); the permission checks of the staff
# menu (2); the print runs and the unreadable pages listed.
PAPER_PAGE_QUERIES = 23
SATISFIED = 0


@pytest.fixture
def paper(county):
    return paper_world(county, paper_voters=2, sheets=4)


def url(name, paper, *args):
    return reverse(f"ratings:{name}", args=[paper.meeting.pk, *args])


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"), [("operator", 200), ("township_admin", 200), ("moderator", 404), ("nobody", 404)]
)
def test_the_paper_page_is_for_the_villages_operators(paper, county, role, status):
    assert signed_in(getattr(county, role)).get(url("paper", paper)).status_code == status


def test_another_villages_paper_is_a_404_and_a_visitor_gets_the_login(paper, county, client):
    assert client.get(url("paper", paper)).status_code == 302
    other = paper_world(
        county, paper_voters=1, sheets=1, village=county.neighbour, year=2025, operator=county.township_admin
    )
    operator = signed_in(county.operator)  # operates in the village only, not in its neighbour
    assert operator.get(url("paper", other)).status_code == 404
    assert operator.get(url("paper-sheets", other, other.run.pk)).status_code == 404
    assert (
        operator.get(url("paper-sheets", paper, other.run.pk)).status_code == 404
    )  # a run of another meeting


def test_printing_is_a_post_and_gives_the_printable_sheets(paper, county):
    operator = signed_in(county.operator)
    assert operator.get(url("paper-print", paper)).status_code == 405
    group = paper.run.group
    response = operator.post(url("paper-print", paper), {"group": group.pk, "language": "ug", "sheets": 2})
    run = PaperPrint.objects.exclude(pk=paper.run.pk).get()
    assert response.status_code == 302 and response["Location"] == url("paper-sheets", paper, run.pk)
    sheets = operator.get(response["Location"])
    assert sheets["Cache-Control"].count("no-store") == 1
    body = text(sheets)
    assert 'dir="rtl"' in body
    for sheet_id in run.sheet_rows.values_list("sheet_id", flat=True):
        assert " ".join(sheet_id[i : i + 4] for i in range(0, 16, 4)) in body  # in print, under the code
    assert (
        operator.post(
            url("paper-print", paper), {"group": group.pk, "language": "ug", "sheets": 0}
        ).status_code
        == 400
    )


def test_a_uyghur_print_run_names_the_village_and_cadres_in_uyghur_the_chinese_as_fallback(paper, county):
    named, unnamed = [row.cadre for row in paper.meeting.reporting.select_related("cadre").order_by("pk")][:2]
    Cadre.objects.filter(pk=named.pk).update(name_ug="تۇرسۇن مامۇت")
    Village.objects.filter(pk=county.village.pk).update(name_ug="بوستان كەنتى")
    operator = signed_in(county.operator)

    def printed(language: str) -> str:
        response = operator.post(
            url("paper-print", paper), {"group": paper.run.group.pk, "language": language, "sheets": 1}
        )
        return text(operator.get(response["Location"]))

    uyghur = printed("ug")
    assert "تۇرسۇن مامۇت" in uyghur and named.name not in uyghur
    assert unnamed.name in uyghur  # no Uyghur name: the Chinese one
    assert "بوستان كەنتى" in uyghur
    chinese = printed("zh-hans")
    assert named.name in chinese and "تۇرسۇن مامۇت" not in chinese and "بوستان كەنتى" not in chinese


def test_the_desk_hands_a_paper_ballot_and_then_no_code(paper, county):
    operator = signed_in(county.operator)
    resident = make_resident(paper.meeting.village, "Rozi Paper")
    control = reverse("meetings:staff-meeting", args=[paper.meeting.pk])
    page = text(operator.get(control, {"q": "Rozi Paper"}))
    assert "Sign in and hand a paper ballot" in page
    response = operator.post(
        url("paper-issue", paper), {"resident": resident.pk, "q": "Rozi Paper"}, follow=True
    )
    assert "hand them a paper ballot from the stack for villager" in text(response)
    assert PollBookEntry.objects.get(resident=resident).paper
    assert "Has a paper ballot" in text(operator.get(control, {"q": "Rozi Paper"}))
    refused = operator.post(url("code-issue", paper), {"resident": resident.pk, "q": ""}, follow=True)
    assert "already received a paper ballot" in text(refused)


def test_uploading_reading_deciding_keying_and_closing_over_http(paper, county):
    world = paper.world
    operator, admin = signed_in(county.operator), signed_in(county.township_admin)
    first, second = paper.sheet_ids()[:2]
    assert operator.post(url("paper-upload", paper), {}).status_code == 400  # voting still open
    paper.close_voting()
    scans = [
        SimpleUploadedFile("a.png", marked_page(paper.meeting, first, [SATISFIED] * 10), "image/png"),
        SimpleUploadedFile(
            "b.jpg", marked_page(paper.meeting, second, ["over"] + [SATISFIED] * 9, fmt="JPEG")
        ),
    ]
    response = operator.post(url("paper-upload", paper), {"files": scans})
    assert response.status_code == 302
    home = text(operator.get(response["Location"]))
    assert "2 pages read: 1 lines for two people" in home

    decision = PaperDecision.objects.get()
    line_page = operator.get(url("paper-decision", paper, decision.pk))
    assert "Cadre 0" in text(line_page)
    image = operator.get(url("paper-decision-image", paper, decision.pk))
    assert image["Content-Type"] == "image/png" and image.content[:4] == b"\x89PNG"
    assert "private" in image["Cache-Control"]
    assert operator.get(url("paper-decision-enter", paper, decision.pk)).status_code == 405
    operator.post(url("paper-decision-enter", paper, decision.pk), {"value": "dissatisfied"})
    again = text(operator.get(url("paper-decision", paper, decision.pk)))
    assert (
        "You have read this line" in again and "dissatisfied" not in again.split("</h1>")[1].split("<form")[0]
    )
    decided = admin.post(
        url("paper-decision-enter", paper, decision.pk), {"value": "dissatisfied"}, follow=True
    )
    assert "Both readings agree" in text(decided)

    refused = operator.post(url("paper-close", paper), {"returned": 3, "spoiled": 0})
    assert refused.status_code == 409
    assert "3 sheets were counted out of the box, but 2 were scanned or keyed" in text(refused)
    closed = operator.post(url("paper-close", paper), {"returned": 2, "spoiled": 0}, follow=True)
    assert "The paper count is closed" in text(closed)
    assert Ballot.objects.filter(meeting=paper.meeting).count() == 2
    assert AuditEntry.objects.filter(action="paper_close").exists()
    assert world.meeting.pk == paper.meeting.pk


def test_a_bad_batch_is_a_400_that_names_the_file_and_keeps_nothing(paper, county, settings):
    operator = signed_in(county.operator)
    paper.close_voting()
    corrupt = SimpleUploadedFile("box.pdf", b"%PDF-1.4\nnot really a pdf", "application/pdf")
    response = operator.post(url("paper-upload", paper), {"files": [corrupt]})
    assert response.status_code == 400
    assert "box.pdf:" in text(response)
    settings.PAPER_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024), "image/png")
    response = operator.post(url("paper-upload", paper), {"files": [big]})
    assert response.status_code == 400
    assert "At most 2 MB in one upload" in text(response)
    assert not PaperPage.objects.exists()


def test_a_sheet_keyed_by_two_clerks_over_http(paper, county):
    paper.close_voting()
    operator, admin = signed_in(county.operator), signed_in(county.township_admin)
    sheet_id = paper.sheet_ids()[0]
    form = operator.get(url("paper-key", paper), {"sheet": sheet_id.lower()})
    assert form.status_code == 200
    fields = re.findall(r'name="(line-[^"]+)"', text(form))
    assert len(set(fields)) == 10
    entry = {name: "satisfied" for name in set(fields)} | {"sheet": sheet_id}
    assert operator.post(url("paper-key-enter", paper), entry).status_code == 302
    assert admin.post(url("paper-key-enter", paper), entry | {"nomination-1": "nowhere"}).status_code == 400
    assert admin.post(url("paper-key-enter", paper), entry).status_code == 302
    assert operator.get(url("paper-key", paper), {"sheet": "AAAA"}).status_code == 404
    closed = operator.post(url("paper-close", paper), {"returned": 1, "spoiled": 0})
    assert closed.status_code == 302


def test_results_wait_for_the_paper_count(paper, county):
    paper.close_voting()
    assert any("paper count is not closed" in blocker for blocker in publish_blockers(paper.meeting))


def test_the_paper_page_is_not_n_plus_one(paper, county):
    paper.close_voting()
    operator = signed_in(county.operator)

    def queries_with_one_more_sheet(index: int) -> int:
        scan = marked_page(paper.meeting, paper.sheet_ids()[index], ["over"] + [SATISFIED] * 9, seed=index)
        services.paper_upload(meeting=paper.meeting, files=[(f"{index}.png", scan)], by=county.operator)
        with CaptureQueriesContext(connection) as queries:
            assert operator.get(url("paper", paper)).status_code == 200
        return len(queries)

    one, two = queries_with_one_more_sheet(0), queries_with_one_more_sheet(1)
    # The same whatever the number of sheets (PAPER_PAGE_QUERIES says which).
    assert one == two
    assert two == PAPER_PAGE_QUERIES


def test_a_200_mb_upload_is_cut_off_while_it_arrives(rf, paper, county):
    paper.close_voting()
    size, boundary = 200 * 1024 * 1024, "hostile-boundary"
    body = HugeBody(size, boundary, field="files", filename="scans.pdf")
    environ = rf.post("/").environ | {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(size),
        "wsgi.input": body,
    }
    request = WSGIRequest(environ)
    request.user, request._dont_enforce_csrf_checks = county.operator, True
    request._messages = CookieStorage(request)
    request.resolver_match = resolve(url("paper-upload", paper))
    response = views.paper_upload(request, pk=paper.meeting.pk)
    assert response.status_code == 413
    assert "At most 40 MB in one upload" in text(response)
    assert body.read_bytes < upload_cutoff(request) + 1024 * 1024  # some 80 MB of the 200
    assert not PaperPage.objects.exists()


def test_the_scans_are_not_under_the_media_root_which_may_be_served(paper, county, settings):
    paper.close_voting()
    scan = marked_page(paper.meeting, paper.sheet_ids()[0], [SATISFIED] * 10)
    services.paper_upload(meeting=paper.meeting, files=[("a.png", scan)], by=county.operator)
    page = PaperPage.objects.get()
    stored = Path(page.image.path)
    assert stored.read_bytes() == scan
    assert Path(settings.MEDIA_ROOT) not in stored.parents
    assert signed_in(county.operator).get(url("paper-page-image", paper, page.pk)).content == scan
    assert Client().get(f"/{settings.MEDIA_URL.strip('/')}/{page.image.name}").status_code == 404
