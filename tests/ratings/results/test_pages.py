"""The public results of a meeting: the page, the notice, the honor roll, objections, and who sees them.

Ballots are cast through the kiosk's own service (tests/worlds.py). Cadre 0 gets four
"satisfied", one "basically satisfied" and one "dissatisfied" on every criterion: mean 530/6 = 88.3333,
trimmed mean (100·3 + 75)/4 = 93.75, satisfaction 5/6 = 83.33%
(the pages show the published 4-place figures), median "satisfied", verdict competent.
Cadre 1 gets "dissatisfied" on every ballot: 55, 0%, incompetent, ranked second.
"""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from meetings import services as meeting_services
from ratings.models import Objection, ResultSnapshot
from ratings.results import services as results_services
from ratings.templatetags.results_tags import distribution_bar
from tests.worlds import certify, published_world, vote_again, voted_world

CADRE_0 = ["satisfied"] * 4 + ["basically_satisfied", "dissatisfied"]
VOTES = [lambda cadre, _criterion, grade=grade: grade if cadre == 0 else "dissatisfied" for grade in CADRE_0]
MEETING_PAGES = (
    "results",
    "results-notice",
    "honor-roll",
    "objection-lodge",
    "counts-csv",
    "receipts-txt",
    "results-json",
)


pytestmark = pytest.mark.usefixtures("english_pages")


@pytest.fixture
def published(county):
    """Six ballots; households 0 and 1 nominated (0 twice) and accepted with a certificate."""
    return published_world(county, VOTES, nominations=[[0], [0, 1]])


def url(name: str, meeting) -> str:
    return reverse(f"ratings:{name}", args=[meeting.pk])


def text(response) -> str:
    """The page's visible text, tags removed and white space folded."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", without_tags)


def lodge(snapshot, text="The count of cadre 1 is wrong.", **fields):
    return results_services.objection_lodge(
        snapshot=snapshot, text=text, sender_address=fields.pop("address", "10.0.0.9"), **fields
    )


# --- what the results page shows -----------------------------------------------------------------


def test_results_page_shows_the_published_figures(client, published):
    world, snapshot = published
    response = client.get(url("results", world.meeting))

    assert response.status_code == 200
    page = text(response)
    assert f"Under public notice until {snapshot.notice_ends:%Y-%m-%d}" in page
    assert url("objection-lodge", world.meeting) in response.content.decode()
    assert "Ballots counted 6" in page
    assert "The quorum is met." in page
    # Cadre 0's overall figures and one criterion's row: mean, trimmed mean, satisfaction, median.
    assert "88.3333" in page and "83.33%" in page
    assert "Morality" in page and "88.3333 93.75 83.33% Satisfied" in page
    assert "Competent" in page and "Incompetent" in page
    # The ranking, in rank order.
    assert page.index("No. 1 Cadre 0") < page.index("No. 2 Cadre 1")
    # The digests and the open data to check them against; the seal of the server's ballot file is not
    # published (nobody outside could check it against anything).
    assert snapshot.data["counts_sha256"] in page and snapshot.data["receipts_sha256"] in page
    assert snapshot.ballots_sha256 not in page
    for name in ("counts-csv", "receipts-txt", "results-json"):
        assert url(name, world.meeting) in response.content.decode()
    assert "ballots.csv" not in page
    assert (
        "How to recount" in page and "python -m ratings.recount counts.csv results.json receipts.txt" in page
    )
    # What a receipt proves, and what it does not.
    assert "Your receipt proves that your ballot is in the box and was counted" in page
    assert "It does not show how you voted, and nobody can find your grades from it" in page


def test_distribution_bars_carry_their_numbers_in_text(client, published):
    world, _snapshot = published
    html = client.get(url("results", world.meeting)).content.decode()

    # One bar per cadre overall, per criterion and per voter group shown.
    assert html.count('class="distribution-bar') >= 2 * (1 + 5)
    assert "<title>Satisfied: 4; Basically satisfied: 1; Dissatisfied: 1</title>" in html
    assert 'Satisfied <span class="fw-semibold">4</span> (66.67%)' in html


def test_bar_starts_on_the_right_in_a_right_to_left_language():
    grades = [
        {"code": "satisfied", "label": "满意", "standing": "top"},
        {"code": "dissatisfied", "label": "不满意", "standing": "bottom"},
        {"code": "dont_know", "label": "不了解", "standing": "abstain"},
    ]
    histogram = {"satisfied": 3, "dissatisfied": 1}
    with translation.override("en"):
        ltr = distribution_bar(histogram, grades)["segments"]
    with translation.override("ug"):
        rtl = distribution_bar(histogram, grades)["segments"]

    assert [(s["x"], s["width"]) for s in ltr] == [("0.000", "75.000"), ("75.000", "25.000")]
    assert [(s["x"], s["width"]) for s in rtl] == [("25.000", "75.000"), ("0.000", "25.000")]
    # The legend keeps the scale's order, best first, whatever the direction; abstentions are no segment.
    assert [s["count"] for s in rtl] == [3, 1]


def test_flag_for_incompetent_two_years_running(client, county, published):
    world, first = published  # cadre 1 got "dissatisfied" on every ballot: incompetent
    assert "rated incompetent two years running" not in text(client.get(url("results", first.meeting)))
    second = vote_again(world, 2025, "dissatisfied", admin=county.township_admin, operator=county.operator)

    page = text(client.get(url("results", second.meeting)))

    assert page.count("rated incompetent two years running") >= 1
    assert second.data["cadres"][1]["incompetent_two_years"] is True


def test_results_page_in_the_default_language(county, published):
    world, _snapshot = published
    response = Client().get(url("results", world.meeting))
    assert response.status_code == 200
    assert '<html lang="zh-hans" dir="ltr">' in response.content.decode()


def test_results_page_in_uyghur_is_right_to_left(county, published):
    world, _snapshot = published
    response = Client(HTTP_ACCEPT_LANGUAGE="ug").get(url("results", world.meeting))
    assert '<html lang="ug" dir="rtl">' in response.content.decode()


def test_results_page_queries_do_not_grow_with_cadres(client, county, django_assert_num_queries):
    world, snapshot = published_world(county, ["satisfied"] * 5, cadres=6)
    lodge(snapshot)
    lodge(snapshot, address="10.0.0.10")
    # the live snapshot with its meeting and place, its earlier versions, the objections: the figures
    # themselves are the snapshot's data, read with it, whatever the number of cadres and criteria
    with django_assert_num_queries(3):
        response = client.get(url("results", world.meeting))
    assert text(response).count("Cadre 5") >= 2


@pytest.mark.parametrize("name, queries", [("results-notice", 2), ("honor-roll", 1), ("results-json", 2)])
def test_notice_honor_roll_and_json_read_a_fixed_number_of_queries(
    client, county, name, queries, django_assert_num_queries
):
    # Six cadres and six households on the honor roll: the page is the live snapshot with its meeting
    # and place, read in one query, whatever the size of the village; the notice and results.json also
    # read the audit log's head at publication (one entry of the county chain).
    world, _snapshot = published_world(
        county, ["satisfied"] * 6, cadres=6, households=6, nominations=[[n] for n in range(6)]
    )
    with django_assert_num_queries(queries):
        response = client.get(url(name, world.meeting))
    assert response.status_code == 200


# --- who sees results: live snapshots of meetings not annulled, nothing else -----------------------


@pytest.mark.parametrize("name", MEETING_PAGES)
def test_no_results_pages_before_publication(client, county, name):
    world = voted_world(county, ["satisfied"] * 3)
    assert client.get(url(name, world.meeting)).status_code == 404
    # A draft under review is not public either.
    results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    assert client.get(url(name, world.meeting)).status_code == 404


@pytest.mark.parametrize("name", MEETING_PAGES)
def test_results_of_an_annulled_meeting_are_gone(client, county, published, name):
    world, _snapshot = published
    assert client.get(url(name, world.meeting)).status_code == 200
    meeting_services.meeting_annul(
        meeting=world.meeting, reason="Ballot box broken", by=county.township_admin
    )
    assert client.get(url(name, world.meeting)).status_code == 404


@pytest.mark.parametrize("name", MEETING_PAGES)
def test_an_unknown_meeting_is_404(client, db, name):
    assert client.get(reverse(f"ratings:{name}", args=[99999])).status_code == 404


def test_final_results_say_since_when_and_take_no_objection(client, county, published):
    world, snapshot = published
    results_services.results_finalize(
        snapshot=snapshot, today=snapshot.notice_ends + datetime.timedelta(days=1)
    )
    snapshot.refresh_from_db()

    page = text(client.get(url("results", world.meeting)))

    assert f"These results are final since {timezone.localtime(snapshot.finalized_at):%Y-%m-%d}" in page
    assert "Lodge an objection" not in page
    assert client.get(url("objection-lodge", world.meeting)).status_code == 409


def test_a_recount_lists_the_superseded_version_and_the_objection_behind_it(client, county, published):
    world, first = published
    objection = lodge(first, text="Two ballots were counted twice.")
    results_services.objection_rule(
        objection=objection, upheld=True, ruling="Recount ordered.", by=county.moderator
    )
    second = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    certify(second.meeting, by=county.township_admin)
    results_services.results_publish(snapshot=second, by=county.township_admin)

    page = text(client.get(url("results", world.meeting)))

    assert "Version 2 of the results" in page
    assert "Version 1, superseded by a recount." in page
    assert page.count(first.data["counts_sha256"]) >= 2  # the current digest, and version 1's
    assert "Two ballots were counted twice." in page and "on version 1" in page
    assert "upheld Ruling: Recount ordered." in page


def test_withheld_objection_text_is_not_shown_but_its_ruling_is(client, county, published):
    world, snapshot = published
    objection = lodge(snapshot, text="Something abusive", name="Aygul", contact="13800000000")
    results_services.objection_rule(
        objection=objection,
        upheld=False,
        ruling="Rejected: no fact is given.",
        withhold_text=True,
        by=county.moderator,
    )

    page = text(client.get(url("results", world.meeting)))

    assert "Text withheld by the moderator." in page
    assert "Something abusive" not in page
    assert "Rejected: no fact is given." in page
    assert "13800000000" not in page  # the contact is never published


def test_pending_objection_is_listed_awaiting_a_ruling(client, county, published):
    world, snapshot = published
    lodge(snapshot, text="Cadre 1 was not at the meeting.")

    page = text(client.get(url("results", world.meeting)))

    assert "Cadre 1 was not at the meeting." in page and "awaiting a ruling" in page
    assert "anonymous" in page


# --- exports ---------------------------------------------------------------------------------------


def test_ranking_downloads_as_csv_and_xlsx(client, published):
    world, _snapshot = published

    response = client.get(url("results", world.meeting), {"_export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    # With a byte-order mark, or Excel on Chinese Windows reads the UTF-8 as GBK.
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Rank",
        "Cadre",
        "Post",
        "Overall score",
        "Satisfaction",
        "Median grade",
        "Satisfied share the verdict used",
        "Verdict",
    ]
    assert rows[1][:2] == ["1", "Cadre 0"] and float(rows[1][3]) == pytest.approx(88.3333)
    assert rows[2][:2] == ["2", "Cadre 1"] and rows[2][6:] == ["0.0", "Incompetent"]

    response = client.get(url("results", world.meeting), {"_export": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]][:2] == ["Rank", "Cadre"]
    assert [cell.value for cell in sheet[2]][:2] == [1, "Cadre 0"]


def test_an_unknown_export_format_shows_the_page(client, published):
    world, _snapshot = published
    response = client.get(url("results", world.meeting), {"_export": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# --- the printable notice and the honor roll ---------------------------------------------------------


def test_notice_is_printable_and_carries_what_the_notice_board_needs(client, published):
    world, snapshot = published
    response = client.get(url("results-notice", world.meeting))

    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    # The sheet's own stylesheet (A4, print rules), loaded as a file: the pages allow no inline style.
    assert 'href="/static/ratings/css/notice.css"' in html
    sheet = (settings.BASE_DIR / "static" / "ratings" / "css" / "notice.css").read_text()
    assert "size: A4" in sheet and "@media print" in sheet
    assert "Main navigation" not in html  # no site navigation on the printed sheet
    assert "Bostan" in page and "2024" in page
    published_on = timezone.localtime(snapshot.published_at)
    assert f"from {published_on:%Y-%m-%d} to {snapshot.notice_ends:%Y-%m-%d}" in page
    assert "Cadre 0" in page and "88.3333" in page and "Competent" in page and "Incompetent" in page
    assert "Certificate" in page and "B2024-0" in page
    assert snapshot.data["counts_sha256"] in page and snapshot.data["receipts_sha256"] in page
    assert snapshot.ballots_sha256 not in page
    assert "it does not show how anyone voted" in page
    # Issued by the village and the township, with its dates, above the title the print keeps.
    assert "Issued by the villagers' committee of Bostan and Tograk Township" in page
    assert f"Published {published_on:%Y-%m-%d} · notice period until {snapshot.notice_ends:%Y-%m-%d}" in page


def test_notice_prints_no_address_without_a_public_one(client, published, settings):
    # The address the page was opened by is a venue laptop's: no villager reaches it from home.
    settings.PUBLIC_URL = ""
    world, _snapshot = published
    response = client.get(url("results-notice", world.meeting))

    page = text(response)
    assert "testserver" not in page and "http" not in page
    assert "notice-qr-svg" not in response.content.decode()
    assert "in writing at the township office or online on the results page of this portal" in page


def test_notice_prints_the_public_address_and_its_qr_code(client, published, settings):
    settings.PUBLIC_URL = "https://rating.example.gov.cn"
    world, _snapshot = published
    response = client.get(url("results-notice", world.meeting))

    page = text(response)
    assert f"published at https://rating.example.gov.cn{url('results', world.meeting)}" in page
    assert f"online at https://rating.example.gov.cn{url('objection-lodge', world.meeting)}" in page
    assert "testserver" not in page
    html = response.content.decode()
    assert '<svg viewBox="0 0 ' in html and 'class="notice-qr-svg"' in html


def test_honor_roll_page_and_its_export(client, published):
    world, _snapshot = published
    response = client.get(url("honor-roll", world.meeting))

    assert response.status_code == 200
    page = text(response)
    assert page.index("B2024-0") < page.index("B2024-1")  # two nominations before one
    assert "Certificate" in page

    exported = client.get(url("honor-roll", world.meeting), {"_export": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Rank", "Household number", "Head of household", "Ballot nominations"]
    assert [row[1] for row in rows[1:]] == ["B2024-0", "B2024-1"]
    assert [row[3] for row in rows[1:]] == ["2", "1"]


def test_meeting_page_links_the_results_once_published(client, county, published):
    world, _snapshot = published
    html = client.get(world.meeting.get_absolute_url()).content.decode()
    for name in ("results", "results-notice", "honor-roll", "counts-csv", "receipts-txt", "results-json"):
        assert url(name, world.meeting) in html
    assert "ballots.csv" not in html


def test_meeting_page_has_no_results_links_before(client, county):
    world = voted_world(county, ["satisfied"] * 3)
    html = client.get(world.meeting.get_absolute_url()).content.decode()
    assert url("results", world.meeting) not in html


# --- objections ---------------------------------------------------------------------------------------


def test_objection_form(client, published):
    world, _snapshot = published
    response = client.get(url("objection-lodge", world.meeting))

    assert response.status_code == 200
    page = text(response)
    assert "What is your objection about?" in page and "the honor roll" in page
    assert "not published" in page
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_lodging_an_objection(client, published):
    world, snapshot = published
    response = client.post(
        url("objection-lodge", world.meeting),
        {
            "subject": "honor_roll",
            "text": "Household B2024-1 moved away.",
            "name": "",
            "contact": "13900000000",
        },
        follow=True,
    )

    assert response.redirect_chain == [(url("results", world.meeting) + "#objections", 302)]
    assert "Your objection has been lodged." in text(response)
    assert "Household B2024-1 moved away." in text(response)
    objection = Objection.objects.get()
    assert (objection.snapshot, objection.subject, objection.contact) == (
        snapshot,
        "honor_roll",
        "13900000000",
    )


def test_an_empty_objection_is_refused(client, published):
    world, _snapshot = published
    response = client.post(url("objection-lodge", world.meeting), {"subject": "results", "text": "  "})

    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert not Objection.objects.exists()


def test_an_unknown_subject_is_refused(client, published):
    world, _snapshot = published
    response = client.post(url("objection-lodge", world.meeting), {"subject": "weather", "text": "Too hot."})
    assert response.status_code == 400
    assert not Objection.objects.exists()


def test_objections_are_rate_limited_per_connection(client, settings, published):
    settings.OBJECTIONS_PER_ADDRESS_PER_HOUR = 2
    world, _snapshot = published
    form = {"subject": "results", "text": "Recount, please."}
    for _ in range(2):
        assert client.post(url("objection-lodge", world.meeting), form).status_code == 302

    response = client.post(url("objection-lodge", world.meeting), form)

    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "try again in an hour" in text(response)
    assert Objection.objects.count() == 2
    # Another connection is not held back.
    other = client.post(url("objection-lodge", world.meeting), form, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302


def test_no_objection_after_the_notice_period(client, published):
    world, snapshot = published
    ResultSnapshot.objects.filter(pk=snapshot.pk).update(
        notice_ends=timezone.localdate() - datetime.timedelta(days=1)
    )

    assert client.get(url("objection-lodge", world.meeting)).status_code == 409
    response = client.post(url("objection-lodge", world.meeting), {"subject": "results", "text": "Late."})
    assert response.status_code == 409
    assert "objections can no longer be lodged" in text(response)
    assert not Objection.objects.exists()
    assert "The public notice ended on" in text(client.get(url("results", world.meeting)))


def test_objection_needs_the_csrf_token(county, published):
    world, _snapshot = published
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = strict.post(url("objection-lodge", world.meeting), {"subject": "results", "text": "No token."})
    assert response.status_code == 403
    assert not Objection.objects.exists()


def test_dont_know_answers_are_shown_beside_the_bar_and_not_as_a_grade(client, county):
    # Cadre 0: five "satisfied" and two "don't know" on every criterion; the bar holds five grades.
    votes = ["satisfied"] * 5 + ["dont_know"] * 2
    world, _snapshot = published_world(county, votes)
    page = text(client.get(url("results", world.meeting)))
    assert "“Don't know” 2 , not counted as a grade" in page
    assert "Satisfied 5 (100%)" in page


def test_the_home_page_heads_with_results_under_notice_until_they_are_final(client, county, published):
    world, snapshot = published
    home = client.get(reverse("home")).content.decode()
    assert "Results under public notice" in home
    assert f"objections until {snapshot.notice_ends:%Y-%m-%d}" in home
    assert url("results", world.meeting) in home and url("objection-lodge", world.meeting) in home
    results_services.results_finalize(
        snapshot=snapshot, today=snapshot.notice_ends + datetime.timedelta(days=1)
    )
    assert "Results under public notice" not in client.get(reverse("home")).content.decode()
