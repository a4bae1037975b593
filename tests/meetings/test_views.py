"""The meeting pages: the public lists and page, and the operator's and administrator's meeting control."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import services
from meetings.models import Attendance, Commitment, Meeting, WorkReport
from portal.models import AuditEntry, CadrePost
from ratings.ballot import schemes
from ratings.models import RatingScheme
from tests.factories import CadreFactory, CadrePostFactory, HouseholdFactory, ResidentFactory
from tests.worlds import PLACES, set_status

Status = Meeting.Status


def meeting_with_speakers(village, year, *, status=Status.ANNOUNCED, scheme=None, cadres=2, **fields):
    """A meeting of `year`, held longer ago the earlier the year, with `cadres` speakers holding a post."""
    meeting = Meeting.objects.create(
        village=village,
        year=year,
        held_at=fields.pop("held_at", timezone.now() - datetime.timedelta(days=365 * (2030 - year))),
        venue=fields.pop("venue", f"Hall {year}"),
        scheme=scheme or RatingScheme.objects.get_or_create(name="Views scheme")[0],
        status=status,
        **fields,
    )
    for order in range(cadres):
        cadre = CadreFactory(village=village, name=f"Speaker {year}-{order}")
        CadrePostFactory(cadre=cadre, term_start=2000)
        meeting.reporting.create(cadre=cadre, order=order)
    return meeting


def page(response) -> str:
    return response.content.decode()


def table_years(response) -> list[int]:
    """The years of the table's rows, in the order shown (each row's year links to the meeting)."""
    return [int(year) for year in re.findall(r'href="/meetings/\d+/">(\d{4})</a>', page(response))]


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


ROLES = ("township_admin", "operator", "moderator", "cadre", "nobody", "anonymous")
# Who may operate a meeting (sign in, announce, open and close the vote) in each place.
OPERATES = {
    "township_admin": {"village", "neighbour"},
    "operator": {"village"},
}
# Who may set a meeting up, edit it and annul it.
MANAGES = {"township_admin": {"village", "neighbour"}}


def every_role_in_every_place(test):
    """Run `test` for each role (`role`) in each of the county's villages (`place`)."""
    return pytest.mark.parametrize("place", PLACES)(pytest.mark.parametrize("role", ROLES)(test))


pytestmark = pytest.mark.usefixtures("english_pages")


def user_of(county, role):
    return None if role == "anonymous" else getattr(county, role)


# --- public: the lists -----------------------------------------------------------------------------


def test_village_list_shows_public_meetings_only(client, county):
    meeting_with_speakers(county.village, 2023)
    meeting_with_speakers(county.village, 2024, status=Status.DRAFT)
    meeting_with_speakers(county.neighbour, 2022)
    response = client.get(reverse("meetings:village-meetings", args=[county.village.code]))
    assert response.status_code == 200
    assert table_years(response) == [2023]


def test_village_list_of_an_unknown_village_is_404(client, county):
    assert client.get(reverse("meetings:village-meetings", args=["999999999999"])).status_code == 404


@pytest.fixture
def many_years(county):
    """Thirty years of meetings in the village, of both kinds and several statuses."""
    for year in range(2000, 2030):
        meeting_with_speakers(
            county.village,
            year,
            status=Status.FINAL if year < 2020 else Status.ANNULLED if year == 2025 else Status.ANNOUNCED,
            kind=Meeting.Kind.REPRESENTATIVES_ASSEMBLY if year % 2 else Meeting.Kind.VILLAGERS_ASSEMBLY,
            cadres=0,
        )
    return county


def test_village_list_is_paged_newest_first(client, many_years):
    url = reverse("meetings:village-meetings", args=[many_years.village.code])
    first = client.get(url)
    assert table_years(first) == list(range(2029, 2004, -1))
    second = client.get(url, {"page": 2})
    assert table_years(second) == list(range(2004, 1999, -1))


def test_village_list_sorts_by_a_column(client, many_years):
    url = reverse("meetings:village-meetings", args=[many_years.village.code])
    assert table_years(client.get(url, {"sort": "year"}))[:3] == [2000, 2001, 2002]
    assert table_years(client.get(url, {"sort": "-year"}))[:3] == [2029, 2028, 2027]


@pytest.mark.parametrize(
    ("params", "years"),
    [
        ({"year": "2011"}, [2011]),
        ({"status": "annulled"}, [2025]),
        ({"status": "announced", "kind": "representatives"}, [2029, 2027, 2023, 2021]),
        ({"year": "2025", "status": "final"}, []),
        ({"year": "1999"}, list(range(2029, 2004, -1))),  # not a year on offer: the filter is ignored
    ],
)
def test_village_list_filters(client, many_years, params, years):
    response = client.get(reverse("meetings:village-meetings", args=[many_years.village.code]), params)
    assert response.status_code == 200
    assert table_years(response) == years


def test_village_list_offers_only_years_that_have_a_meeting(client, county):
    meeting_with_speakers(county.village, 2021)
    meeting_with_speakers(county.village, 2023)
    meeting_with_speakers(county.neighbour, 2022)
    response = client.get(reverse("meetings:village-meetings", args=[county.village.code]))
    offered = re.findall(r'<option value="(\d{4})"', page(response))
    assert offered == ["2023", "2021"]


def test_village_list_does_not_offer_draft_as_a_status(client, county):
    response = client.get(reverse("meetings:village-meetings", args=[county.village.code]))
    assert 'value="draft"' not in page(response)
    response = client.get(
        reverse("meetings:village-meetings", args=[county.village.code]), {"status": "draft"}
    )
    assert response.status_code == 200


def test_township_list_has_all_its_villages_and_filters_by_village(client, county):
    meeting_with_speakers(county.village, 2023)
    meeting_with_speakers(county.neighbour, 2024)
    meeting_with_speakers(county.neighbour, 2022, status=Status.DRAFT)
    meeting_with_speakers(county.elsewhere, 2021)
    url = reverse("meetings:township-meetings", args=[county.township.code])
    response = client.get(url)
    assert table_years(response) == [2024, 2023]
    assert "Bostan" in page(response) and "Yulghun" in page(response)
    assert "Arish" not in page(response)
    assert table_years(client.get(url, {"village": county.neighbour.pk})) == [2024]
    # Another township's village is not a choice: the filter is ignored rather than failing.
    assert table_years(client.get(url, {"village": county.elsewhere.pk})) == [2024, 2023]
    assert table_years(client.get(url, {"sort": "village"})) == [2023, 2024]


def test_township_list_of_an_unknown_township_is_404(client, county):
    assert client.get(reverse("meetings:township-meetings", args=["999999999"])).status_code == 404


@pytest.fixture
def crowded(county):
    """Enough meetings and cadres (each with posts) in the township that an N+1 query would show."""
    for year in range(2010, 2022):
        meeting_with_speakers(county.village, year, cadres=3)
        meeting_with_speakers(county.neighbour, year, cadres=1)
    return county


def test_village_list_queries_do_not_grow_with_rows(client, crowded, django_assert_num_queries):
    # village with its township, the years on offer, the row count, one page of meetings
    with django_assert_num_queries(4):
        response = client.get(reverse("meetings:village-meetings", args=[crowded.village.code]))
    assert len(table_years(response)) == 12


def test_township_list_queries_do_not_grow_with_rows(client, crowded, django_assert_num_queries):
    # township, the villages on offer, the years on offer, the row count, one page of meetings
    # with their villages
    with django_assert_num_queries(5):
        response = client.get(reverse("meetings:township-meetings", args=[crowded.township.code]))
    assert len(table_years(response)) == 24


# --- public: the meeting page ----------------------------------------------------------------------


def test_meeting_page_shows_the_meeting(client, meeting, county):
    set_status(meeting, Status.ANNOUNCED)
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200
    html = page(response)
    for text in ("Bostan", "2024", "Village activity center", "villagers&#x27; assembly", "announced"):
        assert text in html
    # The agenda keeps its lines; the cadres come in their speaking order, with their posts.
    assert "Reports of the two committees<br>Questions<br>Rating" in html
    assert html.index("Alim Party Secretary") < html.index("Gulnar Director")
    assert "Party branch secretary" in html
    assert "Attendance and quorum" not in html


def test_meeting_page_escapes_the_agenda(client, meeting):
    meeting.agenda = "<script>alert(1)</script>\n<b>bold</b>"
    meeting.save()
    set_status(meeting, Status.ANNOUNCED)
    html = page(client.get(meeting.get_absolute_url()))
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>&lt;b&gt;" in html


def test_meeting_page_links_only_published_reports(client, meeting):
    set_status(meeting, Status.ANNOUNCED)
    own, other = [row.cadre for row in meeting.reporting.all()]
    published = WorkReport.objects.create(meeting=meeting, cadre=own, status=WorkReport.Status.PUBLISHED)
    draft = WorkReport.objects.create(meeting=meeting, cadre=other, status=WorkReport.Status.APPROVED)
    html = page(client.get(meeting.get_absolute_url()))
    assert f'href="{published.get_absolute_url()}"' in html
    assert f'href="{draft.get_absolute_url()}"' not in html
    assert "The work report has not been published yet." in html


def test_meeting_page_shows_attendance_and_quorum_once_voting_opened(client, meeting, county):
    household = HouseholdFactory(village=county.village)
    roll = [ResidentFactory(household=household) for _ in range(5)]
    services.meeting_announce(meeting=meeting, by=county.operator)
    for resident in roll[:2]:
        services.attendance_record(meeting=meeting, resident=resident, by=county.operator)
    assert "Attendance and quorum" not in page(client.get(meeting.get_absolute_url()))
    services.voting_open(meeting=meeting, by=county.operator)
    html = page(client.get(meeting.get_absolute_url()))
    assert "Attendance and quorum" in html
    assert re.search(r"Voters on the roll</dt>\s*<dd[^>]*>5</dd>", html)
    assert re.search(r"Present</dt>\s*<dd[^>]*>2</dd>", html)
    assert re.search(r"Needed for the quorum</dt>\s*<dd[^>]*>3", html)
    assert "The quorum is not met: 1 more person needed." in html
    services.attendance_record(meeting=meeting, resident=roll[2], by=county.operator)
    assert "The quorum is met." in page(client.get(meeting.get_absolute_url()))


def test_an_annulled_meeting_shows_the_reason(client, meeting, county):
    services.meeting_annul(meeting=meeting, reason="The roll was out of date.", by=county.township_admin)
    html = page(client.get(meeting.get_absolute_url()))
    assert "This meeting has been annulled." in html
    assert "The roll was out of date." in html


def test_meeting_page_shows_questions_and_last_years_commitments(client, meeting, county):
    set_status(meeting, Status.ANNOUNCED)
    last_year = meeting_with_speakers(county.village, 2023, status=Status.FINAL)
    owner = last_year.reporting.first().cadre
    Commitment.objects.create(meeting=last_year, owner=owner, title="Fix the well", due_date="2024-06-30")
    Commitment.objects.create(
        meeting=meeting_with_speakers(county.neighbour, 2023),
        owner=owner,
        title="Not ours",
        due_date="2024-06-30",
    )
    meeting.questions.create(text="When is the road repaired?", source="online", status="approved")
    meeting.questions.create(text="Still pending", source="online", status="pending")
    html = page(client.get(meeting.get_absolute_url()))
    assert "When is the road repaired?" in html
    assert "Still pending" not in html
    assert "Fix the well" in html
    assert "Not ours" not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("nobody", 404),
        ("cadre", 404),
        ("moderator", 404),
        ("operator", 200),
        ("township_admin", 200),
    ],
)
def test_a_draft_exists_only_for_its_meeting_staff(client, meeting, county, role, status):
    login(client, user_of(county, role))
    response = client.get(meeting.get_absolute_url())
    assert response.status_code == status
    if status == 200:
        assert "This is a draft" in page(response)


def test_a_draft_of_another_township_is_404_to_an_administrator(client, county):
    draft = meeting_with_speakers(county.elsewhere, 2024, status=Status.DRAFT)
    client.force_login(county.township_admin)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_meeting_page_queries_do_not_grow_with_cadres(client, crowded, meeting, django_assert_num_queries):
    for number in range(6):
        cadre = CadreFactory(village=crowded.village, name=f"Extra {number}")
        CadrePostFactory(cadre=cadre, post=CadrePost.Post.COMMITTEE_MEMBER, term_start=2021)
        CadrePostFactory(cadre=cadre, post=CadrePost.Post.PARTY_MEMBER, term_start=2021)
        meeting.reporting.create(cadre=cadre, order=10 + number)
        WorkReport.objects.create(meeting=meeting, cadre=cadre, status=WorkReport.Status.PUBLISHED)
    household = HouseholdFactory(village=crowded.village)
    for _ in range(4):
        services.attendance_record(
            meeting=set_status(meeting, Status.ANNOUNCED),
            resident=ResidentFactory(household=household),
            by=crowded.operator,
        )
    set_status(meeting, Status.VOTING_OPEN, roll_size=4, representatives_size=0)
    for number in range(5):
        meeting.questions.create(text=f"Question {number}", source="online", status="approved")
    last_year = meeting_with_speakers(crowded.village, 2023, status=Status.FINAL, cadres=1)
    for number in range(4):
        Commitment.objects.create(
            meeting=last_year,
            owner=last_year.reporting.first().cadre,
            title=f"Promise {number}",
            due_date="2024-06-30",
        )
    # the meeting with its village, township and scheme; the published reports; the reporting
    # cadres; their posts (prefetch); the attendance count (the roll is frozen); last year's
    # meeting; the questions with their cadres and commitments; the question form's cadres; last
    # year's commitments with their owners — whatever the number of cadres, questions and promises
    with django_assert_num_queries(9):
        response = client.get(meeting.get_absolute_url())
    html = page(response)
    assert "Extra 5" in html and "Question 4" in html and "Promise 3" in html


# --- staff: who may use the meeting control --------------------------------------------------------


def test_the_staff_list_needs_a_login(client, county):
    response = client.get(reverse("meetings:staff-meetings"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("role", ["moderator", "cadre", "nobody"])
def test_the_staff_list_is_forbidden_without_the_role(client, county, role):
    client.force_login(getattr(county, role))
    assert client.get(reverse("meetings:staff-meetings")).status_code == 403


@pytest.mark.parametrize(
    ("role", "years", "can_create"),
    [("operator", [2024, 2023], False), ("township_admin", [2025, 2024, 2023], True)],
)
def test_the_staff_list_shows_the_villages_meetings_drafts_too(client, county, role, years, can_create):
    meeting_with_speakers(county.village, 2024, status=Status.DRAFT)
    meeting_with_speakers(county.village, 2023)
    meeting_with_speakers(county.neighbour, 2025, status=Status.DRAFT)
    meeting_with_speakers(county.elsewhere, 2026)
    client.force_login(getattr(county, role))
    response = client.get(reverse("meetings:staff-meetings"))
    assert response.status_code == 200
    shown = [int(year) for year in re.findall(r'href="/staff/meetings/\d+/">(\d{4})</a>', page(response))]
    assert shown == years
    create_url = reverse("meetings:staff-meeting-create", args=[county.village.code])
    assert (create_url in page(response)) is can_create


def test_the_dashboard_links_to_the_meeting_control(client, county):
    client.force_login(county.operator)
    assert reverse("meetings:staff-meetings") in page(client.get(reverse("staff:dashboard")))
    client.force_login(county.moderator)
    assert reverse("meetings:staff-meetings") not in page(client.get(reverse("staff:dashboard")))


def meeting_in(county, place, scheme, status=Status.DRAFT):
    meeting = meeting_with_speakers(getattr(county, place), 2024, status=status, scheme=scheme)
    return meeting


def expected(role, place, reach, allowed=200):
    if role == "anonymous":
        return 302
    return allowed if place in reach.get(role, set()) else 404


@every_role_in_every_place
def test_control_page_matrix(client, county, scheme, role, place):
    meeting = meeting_in(county, place, scheme)
    login(client, user_of(county, role))
    response = client.get(reverse("meetings:staff-meeting", args=[meeting.pk]))
    assert response.status_code == expected(role, place, OPERATES)


@every_role_in_every_place
def test_announce_matrix(client, county, scheme, role, place):
    meeting = meeting_in(county, place, scheme)
    login(client, user_of(county, role))
    url = reverse("meetings:staff-announce", args=[meeting.pk])
    assert client.get(url).status_code == expected(role, place, OPERATES)
    assert client.post(url).status_code == expected(role, place, OPERATES, allowed=302)
    meeting.refresh_from_db()
    assert (meeting.status == Status.ANNOUNCED) is (expected(role, place, OPERATES) == 200)


@every_role_in_every_place
def test_sign_in_matrix(client, county, scheme, role, place):
    meeting = meeting_in(county, place, scheme, status=Status.ANNOUNCED)
    resident = ResidentFactory(household=HouseholdFactory(village=meeting.village))
    login(client, user_of(county, role))
    response = client.post(reverse("meetings:staff-sign-in", args=[meeting.pk]), {"resident": resident.pk})
    assert response.status_code == expected(role, place, OPERATES, allowed=302)
    assert Attendance.objects.filter(meeting=meeting).exists() is (
        response.status_code == 302 and role != "anonymous"
    )


@every_role_in_every_place
def test_create_matrix(client, county, role, place):
    village = getattr(county, place)
    login(client, user_of(county, role))
    response = client.get(reverse("meetings:staff-meeting-create", args=[village.code]))
    assert response.status_code == expected(role, place, MANAGES)


@every_role_in_every_place
def test_edit_and_annul_matrix(client, county, scheme, role, place):
    meeting = meeting_in(county, place, scheme)
    login(client, user_of(county, role))
    assert client.get(reverse("meetings:staff-meeting-edit", args=[meeting.pk])).status_code == expected(
        role, place, MANAGES
    )
    response = client.post(reverse("meetings:staff-meeting-annul", args=[meeting.pk]), {"reason": "Test"})
    assert response.status_code == expected(role, place, MANAGES, allowed=302)
    meeting.refresh_from_db()
    assert (meeting.status == Status.ANNULLED) is (expected(role, place, MANAGES) == 200)


# --- staff: running a meeting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "source", "target"),
    [
        ("announce", Status.DRAFT, Status.ANNOUNCED),
        ("voting-open", Status.ANNOUNCED, Status.VOTING_OPEN),
        ("voting-close", Status.VOTING_OPEN, Status.VOTING_CLOSED),
    ],
)
def test_each_move_is_confirmed_on_get_and_made_on_post(client, meeting, county, action, source, target):
    set_status(meeting, source)
    if source != Status.DRAFT:
        # The quorum met (1 of 1): one confirmation is enough. Below it, see test_quorum_warning.py.
        resident = ResidentFactory(household=HouseholdFactory(village=county.village))
        services.attendance_record(meeting=meeting, resident=resident, by=county.operator)
    client.force_login(county.operator)
    url = reverse(f"meetings:staff-{action}", args=[meeting.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'method="post"' in page(response)
    assert Meeting.objects.get(pk=meeting.pk).status == source
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("meetings:staff-meeting", args=[meeting.pk]), 302)]
    assert Meeting.objects.get(pk=meeting.pk).status == target
    assert "alert-success" in page(response)


@pytest.mark.parametrize("action", ["announce", "voting-open", "voting-close"])
@pytest.mark.parametrize("source", [Status.VOTING_CLOSED, Status.FINAL, Status.ANNULLED])
def test_an_illegal_move_is_refused_with_a_message(client, meeting, county, action, source):
    set_status(meeting, source)
    client.force_login(county.township_admin)
    url = reverse(f"meetings:staff-{action}", args=[meeting.pk])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 409
        assert "A meeting cannot go from" in page(response)
        assert '<form method="post"' not in page(response).split("<main", 1)[1].split("</main>")[0]
    assert Meeting.objects.get(pk=meeting.pk).status == source


def test_announcing_without_cadres_is_a_400_with_a_message(client, meeting, county):
    meeting.reporting.all().delete()
    client.force_login(county.operator)
    response = client.post(reverse("meetings:staff-announce", args=[meeting.pk]))
    assert response.status_code == 400
    assert "Choose the reporting cadres" in page(response)
    assert Meeting.objects.get(pk=meeting.pk).status == Status.DRAFT


def test_moves_need_the_csrf_token(meeting, county):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(county.operator)
    response = client.post(reverse("meetings:staff-announce", args=[meeting.pk]))
    assert response.status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).status == Status.DRAFT


@pytest.fixture
def roll(county):
    household = HouseholdFactory(village=county.village, number="H-017")
    return {
        "aygul": ResidentFactory(household=household, name="Aygul Tursun", id_last4="123X"),
        "mamat": ResidentFactory(household=household, name="Mamat Tursun", representative=True),
        "left": ResidentFactory(household=household, name="Left Tursun", active=False),
        "neighbour": ResidentFactory(household=HouseholdFactory(village=county.neighbour), name="Nur Tursun"),
    }


@pytest.mark.parametrize("query", ["Tursun", "H-017", "123x"])
def test_the_operator_finds_residents_by_name_household_or_id(client, meeting, county, roll, query):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    html = page(client.get(reverse("meetings:staff-meeting", args=[meeting.pk]), {"q": query}))
    assert "Aygul Tursun" in html
    assert "Left Tursun" not in html
    assert "Nur Tursun" not in html


def test_signing_in_shows_who_is_in_and_the_live_quorum(client, meeting, county, roll):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    url = reverse("meetings:staff-sign-in", args=[meeting.pk])
    response = client.post(url, {"resident": roll["aygul"].pk, "q": "Tursun"})
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:staff-meeting", args=[meeting.pk]) + "?q=Tursun#sign-in"
    response = client.get(response["Location"])
    html = page(response)
    assert "Aygul Tursun is signed in." in html
    assert "1 resident signed in" in html
    # Two on the roll (the third has left): one present of the two needed.
    assert re.search(r"Present</dt>\s*<dd[^>]*>1</dd>", html)
    assert re.search(r"Needed for the quorum</dt>\s*<dd[^>]*>2", html)
    # Signing in twice is harmless.
    client.post(url, {"resident": roll["aygul"].pk})
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    assert AuditEntry.objects.filter(action="attendance_record").count() == 1


def test_another_villages_resident_is_404(client, meeting, county, roll):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.township_admin)
    response = client.post(
        reverse("meetings:staff-sign-in", args=[meeting.pk]), {"resident": roll["neighbour"].pk}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    ("status", "resident", "code"),
    [(Status.DRAFT, "aygul", 400), (Status.VOTING_CLOSED, "aygul", 400), (Status.ANNOUNCED, "left", 400)],
)
def test_a_refused_sign_in_is_a_400_with_a_message(client, meeting, county, roll, status, resident, code):
    set_status(meeting, status)
    client.force_login(county.operator)
    response = client.post(
        reverse("meetings:staff-sign-in", args=[meeting.pk]), {"resident": roll[resident].pk}
    )
    assert response.status_code == code
    assert "alert-danger" in page(response)
    assert not Attendance.objects.exists()


def test_sign_in_is_post_only_and_needs_a_resident(client, meeting, county):
    set_status(meeting, Status.ANNOUNCED)
    client.force_login(county.operator)
    url = reverse("meetings:staff-sign-in", args=[meeting.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"resident": "x"}).status_code == 400


# --- staff: setting a meeting up -------------------------------------------------------------------


def test_the_administrator_creates_a_meeting_with_the_village_cadres(client, county):
    this_year = timezone.localdate().year
    director = CadreFactory(village=county.village, name="Director")
    CadrePostFactory(cadre=director, post=CadrePost.Post.COMMITTEE_DIRECTOR, term_start=this_year - 1)
    secretary = CadreFactory(village=county.village, name="Secretary")
    CadrePostFactory(cadre=secretary, post=CadrePost.Post.PARTY_SECRETARY, term_start=this_year - 1)
    retired = CadreFactory(village=county.village, name="Retired")
    CadrePostFactory(cadre=retired, term_start=2000, term_end=2005)
    stranger = CadreFactory(village=county.neighbour, name="Stranger")
    CadrePostFactory(cadre=stranger, term_start=this_year - 1)
    client.force_login(county.township_admin)
    url = reverse("meetings:staff-meeting-create", args=[county.village.code])
    html = page(client.get(url))
    assert "Director" in html and "Secretary" in html
    assert "Retired" not in html and "Stranger" not in html
    response = client.post(
        url,
        {
            "year": this_year - 1,
            "held_at": "2030-01-15T10:00",
            "venue": "Activity center",
            "kind": "villagers",
            "agenda": "Reports",
            "scheme": "",
            "cadres": [director.pk, secretary.pk],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:staff-meeting", args=[meeting.pk])
    assert meeting.status == Status.DRAFT
    assert meeting.scheme.name == schemes.DEFAULT_SCHEME_NAME
    # The Party branch secretary speaks first.
    assert [row.cadre for row in meeting.reporting.all()] == [secretary, director]
    # A cadre of another village cannot be smuggled in.
    response = client.post(
        url,
        {
            "year": 2031,
            "held_at": "2031-01-15T10:00",
            "venue": "x",
            "kind": "villagers",
            "cadres": [stranger.pk],
        },
    )
    assert response.status_code == 400


def test_a_second_meeting_for_the_same_year_is_a_form_error(client, meeting, county):
    client.force_login(county.township_admin)
    response = client.post(
        reverse("meetings:staff-meeting-create", args=[county.village.code]),
        {
            "year": 2024,
            "held_at": "2030-01-15T10:00",
            "venue": "Hall",
            "kind": "villagers",
            "cadres": [meeting.reporting.first().cadre_id],
        },
    )
    assert response.status_code == 400
    assert "already has a meeting for 2024" in page(response)
    assert Meeting.objects.count() == 1


def test_once_frozen_the_edit_form_disables_scheme_cadres_and_kind(client, meeting, county):
    set_status(meeting, Status.VOTING_OPEN)
    other = RatingScheme.objects.create(name="Other scheme")
    client.force_login(county.township_admin)
    url = reverse("meetings:staff-meeting-edit", args=[meeting.pk])
    html = page(client.get(url))
    assert re.search(r'<select name="scheme"[^>]*disabled', html)
    assert re.search(r'<select name="kind"[^>]*disabled', html)
    assert re.search(r'name="cadres"[^>]*disabled', html)
    response = client.post(
        url,
        {
            "held_at": "2030-02-01T09:30",
            "venue": "School yard",
            "kind": "representatives",
            "agenda": "",
            "scheme": other.pk,
            "cadres": [],
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.venue == "School yard"
    assert meeting.scheme.name == "Test scheme"
    assert meeting.kind == Meeting.Kind.VILLAGERS_ASSEMBLY
    assert meeting.reporting.count() == 2


def test_before_voting_the_edit_form_changes_the_cadres(client, meeting, county):
    client.force_login(county.township_admin)
    director = meeting.reporting.get(order=1).cadre
    response = client.post(
        reverse("meetings:staff-meeting-edit", args=[meeting.pk]),
        {
            "held_at": "2030-02-01T09:30",
            "venue": "Hall",
            "kind": "representatives",
            "scheme": meeting.scheme_id,
            "cadres": [director.pk],
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert [row.cadre for row in meeting.reporting.all()] == [director]
    assert meeting.kind == Meeting.Kind.REPRESENTATIVES_ASSEMBLY


def test_the_meeting_form_allows_phones_and_keeps_the_box_open_to_them_while_voting(client, meeting, county):
    client.force_login(county.township_admin)
    url = reverse("meetings:staff-meeting-edit", args=[meeting.pk])
    assert re.search(r'<input type="checkbox" name="phones_allowed"(?![^>]*checked)', page(client.get(url)))
    set_status(meeting, Status.VOTING_OPEN)
    html = page(client.get(url))
    assert re.search(r'<input type="checkbox" name="phones_allowed"(?![^>]*disabled)', html)
    form = {"held_at": "2030-02-01T09:30", "venue": "Hall", "agenda": ""}

    assert client.post(url, {**form, "phones_allowed": "on"}).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).phones_allowed is True
    assert re.search(r'name="phones_allowed"[^>]*checked', page(client.get(url)))
    assert client.post(url, form).status_code == 302  # unticked
    assert Meeting.objects.get(pk=meeting.pk).phones_allowed is False


def test_a_new_meeting_may_allow_phones(client, county):
    cadre = CadreFactory(village=county.village)
    CadrePostFactory(cadre=cadre, term_start=timezone.localdate().year - 1)
    client.force_login(county.township_admin)
    response = client.post(
        reverse("meetings:staff-meeting-create", args=[county.village.code]),
        {
            "year": 2031,
            "held_at": "2031-01-15T10:00",
            "venue": "Hall",
            "kind": "villagers",
            "cadres": [cadre.pk],
            "phones_allowed": "on",
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get().phones_allowed is True


def test_annulling_needs_a_reason(client, meeting, county):
    client.force_login(county.township_admin)
    url = reverse("meetings:staff-meeting-annul", args=[meeting.pk])
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert Meeting.objects.get(pk=meeting.pk).status == Status.DRAFT
    assert client.post(url, {"reason": "Wrong date"}).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.annulment_reason) == (Status.ANNULLED, "Wrong date")


def test_a_final_meeting_cannot_be_annulled_or_edited(client, meeting, county):
    set_status(meeting, Status.FINAL)
    client.force_login(county.township_admin)
    response = client.post(reverse("meetings:staff-meeting-annul", args=[meeting.pk]), {"reason": "Too late"})
    assert response.status_code == 409
    assert "A meeting cannot go from" in page(response)
    assert client.get(reverse("meetings:staff-meeting-edit", args=[meeting.pk])).status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == Status.FINAL


def test_the_control_page_offers_only_the_legal_moves(client, meeting, county):
    client.force_login(county.operator)
    url = reverse("meetings:staff-meeting", args=[meeting.pk])
    html = page(client.get(url))
    assert reverse("meetings:staff-announce", args=[meeting.pk]) in html
    assert reverse("meetings:staff-voting-open", args=[meeting.pk]) not in html
    # An operator does not see the administrator's edit and annul.
    assert reverse("meetings:staff-meeting-annul", args=[meeting.pk]) not in html
    set_status(meeting, Status.ANNOUNCED)
    html = page(client.get(url))
    assert reverse("meetings:staff-voting-open", args=[meeting.pk]) in html
    assert reverse("meetings:staff-announce", args=[meeting.pk]) not in html


# --- the portal's pages that list meetings ---------------------------------------------------------


def test_home_lists_upcoming_and_recent_public_meetings(client, county):
    meeting_with_speakers(
        county.village, 2025, held_at=timezone.now() + datetime.timedelta(days=3), venue="Soon hall"
    )
    meeting_with_speakers(
        county.neighbour, 2025, held_at=timezone.now() + datetime.timedelta(days=4), status=Status.DRAFT
    )
    meeting_with_speakers(
        county.neighbour, 2023, held_at=timezone.now() - datetime.timedelta(days=30), status=Status.FINAL
    )
    meeting_with_speakers(
        county.elsewhere, 2024, held_at=timezone.now() + datetime.timedelta(days=5), status=Status.ANNULLED
    )
    html = page(client.get(reverse("home")))
    upcoming, recent = html.split('id="meetings-heading"')[1].split("Recent", 1)
    assert "Soon hall" in upcoming
    assert "Yulghun work-report meeting 2025" not in html  # a draft
    assert "Arish work-report meeting 2024" not in upcoming  # annulled: not upcoming
    assert "Yulghun work-report meeting 2023" in recent
    assert reverse("meetings:township-meetings", args=[county.township.code]) in html


def test_home_and_village_pages_do_not_grow_with_meetings(client, crowded, django_assert_num_queries):
    for days in range(1, 6):
        meeting_with_speakers(
            crowded.elsewhere, 2030 + days, held_at=timezone.now() + datetime.timedelta(days=days)
        )
    # townships, their villages (prefetch), upcoming meetings, recent meetings (with their villages),
    # results under public notice (with their meetings)
    with django_assert_num_queries(5):
        html = page(client.get(reverse("home")))
    assert "Arish work-report meeting 2031" in html and "Bostan work-report meeting 2021" in html
    # village with township, its latest meetings, its cadres, their posts (prefetch)
    with django_assert_num_queries(4):
        html = page(client.get(reverse("village", args=[crowded.village.code])))
    assert "Meeting on the year 2021" in html
    assert reverse("meetings:village-meetings", args=[crowded.village.code]) in html
