"""The staff's results pages: the results review and publication, the objections queue, the honor roll,
and their entry points on the dashboard and the meeting control."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from portal.models import AuditEntry
from ratings.models import HonorCandidate, HonorNomination, Objection, ResultSnapshot
from ratings.results import services as results_services
from tests.worlds import PLACES, certify, make_meeting, published_world, voted_world

ROLES = ("superuser", "township_admin", "moderator", "operator", "cadre", "nobody", "anonymous")
# portal.permissions: MODERATE (moderators and township administrators), MANAGE_MEETINGS (the latter).
MODERATES = {"superuser": set(PLACES), "township_admin": {"village", "neighbour"}, "moderator": {"village"}}
MANAGES = {"superuser": set(PLACES), "township_admin": {"village", "neighbour"}}
# Three voters of three on the roll: the quorum is met. Two ballots nominate household 0, one household 1.
VOTES = ["satisfied", "satisfied", "dissatisfied"]
NOMINATIONS = [[0], [0, 1], []]


pytestmark = pytest.mark.usefixtures("english_pages")


def page(response) -> str:
    return response.content.decode()


def login(client, county, role):
    if role != "anonymous":
        client.force_login(getattr(county, role))
    return client


def url(name, *args):
    return reverse(f"ratings:{name}", args=args)


def world_in(county, place="village", **options):
    """A closed vote in the place's village; outside the county's own village the superuser sets it up."""
    setup = {} if place == "village" else {"admin": county.superuser, "operator": county.superuser}
    return voted_world(
        county, VOTES, nominations=NOMINATIONS, village=getattr(county, place), **setup, **options
    )


def published_in(county, place="village"):
    setup = {} if place == "village" else {"admin": county.superuser, "operator": county.superuser}
    return published_world(county, VOTES, nominations=NOMINATIONS, village=getattr(county, place), **setup)


def lodge(snapshot, text="The count of cadre 1 is wrong.", address="10.0.0.1", **fields) -> Objection:
    return results_services.objection_lodge(snapshot=snapshot, text=text, sender_address=address, **fields)


def publishing(meeting, days=7) -> dict:
    """The publish form as the review page fills it in, naming the draft on the page; its closure
    certificate signed (tests.worlds.certify)."""
    certify(meeting)
    draft = ResultSnapshot.objects.of_meeting(meeting).drafts().first()
    return {"days": days, "draft": draft.pk if draft else 1}


def reviewed(world, by):
    """The honor roll collected and every candidate accepted: nothing but the results left to publish."""
    results_services.honor_candidates_collect(meeting=world.meeting, by=by)
    for candidate in HonorCandidate.objects.of_meeting(world.meeting):
        results_services.honor_candidate_review(candidate=candidate, accept=True, by=by)
    return world


def state(meeting):
    """Everything these pages could change about a meeting."""
    meeting.refresh_from_db()
    return (
        meeting.status,
        list(
            ResultSnapshot.objects.filter(meeting=meeting)
            .order_by("pk")
            .values_list("pk", "status", "version")
        ),
        list(
            HonorCandidate.objects.filter(meeting=meeting)
            .order_by("pk")
            .values_list("pk", "status", "votes", "award", "award_amount", "review_note")
        ),
        HonorNomination.objects.filter(meeting=meeting).count(),
        list(Objection.objects.order_by("pk").values_list("pk", "status", "ruling", "text_withheld")),
        AuditEntry.objects.count(),
    )


def expected(role, place, granted, allowed=302, refused=404):
    """Anonymous → the login page; the capability → `allowed`; a moderator who may only read → 403."""
    if role == "anonymous":
        return 302
    if place in granted.get(role, set()):
        return allowed
    return refused


def assert_login_redirect(response):
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def assert_refused(client, meeting, address, data=None, *, status: int, message: str):
    """Posting `data` to `address` is refused with `status` and `message`, and changes nothing."""
    before = state(meeting)
    response = client.post(address, data)
    assert response.status_code == status
    assert message in page(response)
    assert state(meeting) == before
    return response


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_pages_matrix(client, county, role, place):
    world = world_in(county, place)
    login(client, county, role)
    before = state(world.meeting)
    for name in ("staff-results", "staff-honor"):
        response = client.get(url(name, world.meeting.pk))
        assert response.status_code == expected(role, place, MODERATES, allowed=200), name
        if role == "anonymous":
            assert_login_redirect(response)
    queue = client.get(url("staff-objections"))
    assert queue.status_code == expected(role, "village", MODERATES, allowed=200, refused=403)
    assert state(world.meeting) == before


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_changes_matrix(client, county, role, place):
    world = world_in(county, place)
    meeting = world.meeting
    results_services.honor_candidates_collect(meeting=meeting, by=county.superuser)
    login(client, county, role)
    before = state(meeting)
    moderates = expected(role, place, MODERATES)
    # A moderator sees the results but may not compute, publish or finalize them.
    manages = expected(role, place, MANAGES, refused=403 if place in MODERATES.get(role, ()) else 404)

    def post(name, pk, data, status):
        response = client.post(url(name, pk), data)
        assert response.status_code == status, name
        if role == "anonymous":
            assert_login_redirect(response)

    post(
        "staff-honor-nominate",
        meeting.pk,
        {"household": world.households[3].number, "reason": "Orchard"},
        moderates,
    )
    post("staff-honor-collect", meeting.pk, {}, moderates)
    for candidate in HonorCandidate.objects.of_meeting(meeting).order_by("pk"):
        post("staff-honor-review", candidate.pk, {"decision": "accept", "award": "Certificate"}, moderates)
    post("staff-results-compute", meeting.pk, {}, manages)
    post("staff-results-publish", meeting.pk, publishing(meeting), manages)
    # Under notice, the period not over: refused for the state of the meeting.
    post("staff-results-finalize", meeting.pk, {}, 409 if manages == 302 and role != "anonymous" else manages)

    after = state(meeting)
    if role == "anonymous" or (manages != 302 and moderates != 302):
        assert after == before
    elif manages == 302:
        assert after[0] == Meeting.Status.UNDER_NOTICE
        assert [row[1] for row in after[1]] == [ResultSnapshot.Status.PUBLISHED]
    else:
        assert after[0] == Meeting.Status.VOTING_CLOSED
        assert after[1] == []
        assert {row[1] for row in after[2]} == {HonorCandidate.Status.ACCEPTED}
        assert after[3] == 1


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("role", ROLES)
def test_ruling_matrix(client, county, role, place):
    world, snapshot = published_in(county, place)
    objection = lodge(snapshot)
    login(client, county, role)
    before = state(world.meeting)
    response = client.post(
        url("staff-objection-rule", objection.pk), {"decision": "rejected", "ruling": "Recounted."}
    )
    assert response.status_code == expected(role, place, MODERATES)
    objection.refresh_from_db()
    if expected(role, place, MODERATES) == 302 and role != "anonymous":
        assert objection.status == Objection.Status.REJECTED
    else:
        assert state(world.meeting) == before


def test_changes_need_a_post(client, county):
    world = world_in(county)
    client.force_login(county.township_admin)
    for name in (
        "staff-results-compute",
        "staff-results-publish",
        "staff-results-finalize",
        "staff-honor-collect",
    ):
        assert client.get(url(name, world.meeting.pk)).status_code == 405, name
    assert not ResultSnapshot.objects.exists()


def test_changes_need_the_csrf_token(county):
    world = world_in(county)
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.township_admin)
    before = state(world.meeting)
    assert client.post(url("staff-results-compute", world.meeting.pk)).status_code == 403
    assert client.post(url("staff-honor-collect", world.meeting.pk)).status_code == 403
    assert state(world.meeting) == before


# --- the whole flow, through the pages ------------------------------------------------------------


def test_collect_review_compute_publish_object_rule_recount_publish(client, county):
    world = world_in(county)
    meeting = world.meeting
    moderator, admin = Client(HTTP_ACCEPT_LANGUAGE="en"), client
    moderator.force_login(county.moderator)
    admin.force_login(county.township_admin)

    # The committees put a third household forward; the nominations are collected.
    response = moderator.post(
        url("staff-honor-nominate", meeting.pk),
        {"household": f" {world.households[2].number} ", "reason": "Built a cooperative"},
        follow=True,
    )
    assert "has been put forward" in page(response)
    response = moderator.post(url("staff-honor-collect", meeting.pk), follow=True)
    assert "3 households are on the list to review." in page(response)
    candidates = list(HonorCandidate.objects.of_meeting(meeting).for_review())
    assert [(candidate.household, candidate.votes) for candidate in candidates] == [
        (world.households[0], 2),
        (world.households[1], 1),
        (world.households[2], 0),
    ]
    assert "Built a cooperative" in page(moderator.get(url("staff-honor", meeting.pk)))

    # Publishing waits for the review.
    admin.post(url("staff-results-compute", meeting.pk))
    response = admin.post(url("staff-results-publish", meeting.pk), publishing(meeting))
    assert response.status_code == 409
    assert "Some honor roll candidates still await review." in page(response)
    assert ResultSnapshot.objects.get(meeting=meeting).status == ResultSnapshot.Status.DRAFT

    first, second, third = candidates
    reviews = [
        (
            first,
            {"decision": "accept", "award": "Red flower", "award_ug": "قىزىل گۈل", "award_amount": "500.50"},
        ),
        (second, {"decision": "accept", "award": "Certificate"}),
        (third, {"decision": "decline", "note": "Moved to the county town"}),
    ]
    for candidate, data in reviews:
        assert moderator.post(url("staff-honor-review", candidate.pk), data).status_code == 302
    first.refresh_from_db()
    third.refresh_from_db()
    assert (first.status, first.award, first.award_amount) == ("accepted", "Red flower", Decimal("500.50"))
    assert (third.status, third.review_note) == ("declined", "Moved to the county town")

    # The draft computed before the review is stale: publishing it is refused until computed again.
    response = admin.post(url("staff-results-publish", meeting.pk), publishing(meeting))
    assert response.status_code == 409
    assert "Compute them again" in page(response)
    admin.post(url("staff-results-compute", meeting.pk))
    draft = ResultSnapshot.objects.get(meeting=meeting, status=ResultSnapshot.Status.DRAFT)
    review = page(admin.get(url("staff-results", meeting.pk)))
    assert draft.ballots_sha256 in review
    assert "Cadre 0" in review and "Red flower" in review and "Draft for review" in review

    response = admin.post(url("staff-results-publish", meeting.pk), publishing(meeting, 10), follow=True)
    assert "The results are published." in page(response)
    draft.refresh_from_db()
    meeting.refresh_from_db()
    assert draft.status == ResultSnapshot.Status.PUBLISHED
    assert draft.notice_ends == timezone.localdate() + datetime.timedelta(days=10)
    assert meeting.status == Meeting.Status.UNDER_NOTICE
    assert "Recount" not in page(admin.get(url("staff-results", meeting.pk)))
    # The award in the reader's script: Uyghur on a Uyghur page, the Chinese (here English) elsewhere.
    for name in ("results", "results-notice"):
        in_uyghur = page(Client().get(url(name, meeting.pk), HTTP_ACCEPT_LANGUAGE="ug"))
        assert "<bdi>قىزىل گۈل</bdi>" in in_uyghur and "Red flower" not in in_uyghur
        assert "<bdi>Red flower</bdi>" in page(Client().get(url(name, meeting.pk), HTTP_ACCEPT_LANGUAGE="en"))

    # Someone objects; the moderator reads it, contact included, and upholds it.
    objection = lodge(draft, text="Cadre 1 was graded twice", name="Aygul", contact="138 0000 0000")
    queue = page(moderator.get(url("staff-objections")))
    assert "Cadre 1 was graded twice" in queue and "138 0000 0000" in queue and "Aygul" in queue
    response = moderator.post(
        url("staff-objection-rule", objection.pk),
        {"decision": "upheld", "ruling": "The terminal log shows a double count.", "withhold_text": "on"},
        follow=True,
    )
    assert "The objection is upheld." in page(response)
    objection.refresh_from_db()
    assert (objection.status, objection.text_withheld) == (Objection.Status.UPHELD, True)
    assert objection.ruled_by == county.moderator
    assert "The terminal log shows a double count." in page(moderator.get(url("staff-objections")))

    # The administrator recounts (or could annul), reviews the new draft and publishes it again.
    review = page(admin.get(url("staff-results", meeting.pk)))
    assert "Recount" in review
    assert reverse("meetings:staff-meeting-annul", args=[meeting.pk]) in review
    assert "An objection was upheld: recount or annul the meeting." in review
    assert admin.post(url("staff-results-compute", meeting.pk)).status_code == 302
    recount = ResultSnapshot.objects.get(meeting=meeting, status=ResultSnapshot.Status.DRAFT)
    assert admin.post(url("staff-results-publish", meeting.pk), publishing(meeting)).status_code == 302
    assert list(
        ResultSnapshot.objects.filter(meeting=meeting).order_by("version").values_list("version", "status")
    ) == [(draft.version, "superseded"), (recount.version, "published")]
    history = page(admin.get(url("staff-results", meeting.pk)))
    assert "superseded by a recount" in history
    assert "Recount" not in history


# --- refusals: the page again, with the message, and nothing changed -------------------------------


def test_below_quorum_is_not_published(client, county):
    world = world_in(county)
    # The roll frozen at voting open counted 100 voters; 3 came.
    Meeting.objects.filter(pk=world.meeting.pk).update(roll_size=100)
    reviewed(world, county.moderator)
    client.force_login(county.township_admin)
    client.post(url("staff-results-compute", world.meeting.pk))
    assert "below quorum" in page(client.get(url("staff-results", world.meeting.pk)))
    assert_refused(
        client,
        world.meeting,
        url("staff-results-publish", world.meeting.pk),
        publishing(world.meeting),
        status=409,
        message="Below quorum (3 present, 51 needed): the results cannot be published.",
    )


def test_the_review_page_says_what_the_k_rule_withholds_before_publishing(client, county):
    world = world_in(county)  # three ballots
    reviewed(world, county.moderator)
    client.force_login(county.township_admin)
    client.post(url("staff-results-compute", world.meeting.pk))
    review = " ".join(page(client.get(url("staff-results", world.meeting.pk))).split())
    assert "Only 3 ballots were cast, fewer than 5." in review


def test_the_review_page_reconciles_ballots_with_people(client, county):
    world = world_in(county)
    client.force_login(county.township_admin)
    review = page(client.get(url("staff-results", world.meeting.pk)))
    # Three villagers signed in, each voted with the code handed to them; nobody else.
    for count, figure in (("present", 3), ("codes", 3), ("used", 3), ("voided", 0), ("villager-ballots", 3)):
        assert f'data-count="{count}">{figure}<' in review, count
    assert 'id="too-many-ballots"' not in review


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("seven", "Enter a whole number."),
        ("0", "Ensure this value is greater than or equal to 1."),
        ("31", "Ensure this value is less than or equal to 30."),
        ("", "This field is required."),
    ],
)
def test_a_bad_notice_period_is_refused(client, county, days, message):
    world = reviewed(world_in(county), county.moderator)
    client.force_login(county.township_admin)
    client.post(url("staff-results-compute", world.meeting.pk))
    assert_refused(
        client,
        world.meeting,
        url("staff-results-publish", world.meeting.pk),
        {**publishing(world.meeting), "days": days},
        status=400,
        message=message,
    )


def test_a_draft_replaced_meanwhile_is_not_published(client, county):
    """Two administrators: the draft one of them reviewed was computed again by the other."""
    world = reviewed(world_in(county), county.moderator)
    client.force_login(county.township_admin)
    client.post(url("staff-results-compute", world.meeting.pk))
    reviewed_draft = publishing(world.meeting)
    client.post(url("staff-results-compute", world.meeting.pk))
    assert_refused(
        client,
        world.meeting,
        url("staff-results-publish", world.meeting.pk),
        reviewed_draft,
        status=409,
        message="This draft is no longer the one under review.",
    )


def test_results_cannot_be_computed_while_voting(client, county):
    world = world_in(county)
    Meeting.objects.filter(pk=world.meeting.pk).update(status=Meeting.Status.VOTING_OPEN)
    client.force_login(county.township_admin)
    assert_refused(
        client,
        world.meeting,
        url("staff-results-compute", world.meeting.pk),
        status=409,
        message="Results can be computed only after voting has closed",
    )
    assert "Compute" not in page(client.get(url("staff-results", world.meeting.pk)))


def test_finalize_by_hand(client, county):
    world, snapshot = published_in(county)
    client.force_login(county.township_admin)
    review = page(client.get(url("staff-results", world.meeting.pk)))
    assert f"The notice period runs until {snapshot.notice_ends.isoformat()}." in review
    assert_refused(
        client,
        world.meeting,
        url("staff-results-finalize", world.meeting.pk),
        status=409,
        message="The notice period runs until",
    )

    ResultSnapshot.objects.filter(pk=snapshot.pk).update(
        notice_ends=timezone.localdate() - datetime.timedelta(days=1)
    )
    response = client.post(url("staff-results-finalize", world.meeting.pk), follow=True)
    assert "The results are final." in page(response)
    snapshot.refresh_from_db()
    world.meeting.refresh_from_db()
    assert (snapshot.status, world.meeting.status) == (ResultSnapshot.Status.FINAL, Meeting.Status.FINAL)
    assert client.post(url("staff-results-finalize", world.meeting.pk)).status_code == 409


def test_a_moderator_reads_the_results_without_the_buttons(client, county):
    world, snapshot = published_in(county)
    client.force_login(county.moderator)
    review = page(client.get(url("staff-results", world.meeting.pk)))
    assert snapshot.ballots_sha256 in review
    assert url("staff-results-finalize", world.meeting.pk) not in review
    assert url("staff-results-compute", world.meeting.pk) not in review


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "accept", "award_amount": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"decision": "accept", "award_amount": "lots"}, "Enter a number."),
        (
            {"decision": "accept", "award_amount": "1000000.01"},
            "Ensure this value is less than or equal to 1000000.",
        ),
        ({"decision": "decline", "note": "  "}, "Say why the household is declined."),
        ({"decision": "maybe"}, "Select a valid choice."),
    ],
)
def test_a_bad_review_is_refused(client, county, data, message):
    world = world_in(county)
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    candidate = HonorCandidate.objects.of_meeting(world.meeting).first()
    client.force_login(county.moderator)
    assert_refused(
        client, world.meeting, url("staff-honor-review", candidate.pk), data, status=400, message=message
    )


def test_reviews_close_with_publication(client, county):
    world, _snapshot = published_in(county)
    candidate = HonorCandidate.objects.of_meeting(world.meeting).first()
    client.force_login(county.moderator)
    before = state(world.meeting)
    response = client.post(
        url("staff-honor-review", candidate.pk), {"decision": "decline", "note": "Changed mind"}
    )
    assert response.status_code == 409
    assert "Results can be computed only after voting has closed" in page(response)
    assert client.post(url("staff-honor-collect", world.meeting.pk)).status_code == 409
    assert state(world.meeting) == before


@pytest.mark.parametrize(
    ("household", "reason", "message"),
    [
        ("NO-SUCH-HOUSE", "Hard work", "No household with this number is on the roll of Bostan."),
        ("neighbour", "Hard work", "No household with this number is on the roll of Bostan."),
        ("own", "", "This field is required."),
        ("own", "x" * 1001, "Ensure this value has at most 1000 characters"),
    ],
)
def test_a_bad_nomination_is_refused(client, county, household, reason, message):
    world = world_in(county)
    number = {"own": world.households[3].number, "neighbour": world.foreign_household.number}.get(
        household, household
    )
    client.force_login(county.moderator)
    assert_refused(
        client,
        world.meeting,
        url("staff-honor-nominate", world.meeting.pk),
        {"household": number, "reason": reason},
        status=400,
        message=message,
    )


def test_a_household_is_put_forward_once(client, county):
    world = world_in(county)
    client.force_login(county.moderator)
    data = {"household": world.households[3].number, "reason": "Orchard"}
    assert client.post(url("staff-honor-nominate", world.meeting.pk), data).status_code == 302
    assert_refused(
        client,
        world.meeting,
        url("staff-honor-nominate", world.meeting.pk),
        data,
        status=409,
        message="This household has already been put forward.",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "upheld", "ruling": "   "}, "This field is required."),
        ({"decision": "rejected"}, "This field is required."),
        ({"ruling": "No decision"}, "This field is required."),
        ({"decision": "rejected", "ruling": "x" * 1001}, "Ensure this value has at most 1000 characters"),
    ],
)
def test_a_bad_ruling_is_refused(client, county, data, message):
    world, snapshot = published_in(county)
    objection = lodge(snapshot)
    client.force_login(county.moderator)
    assert_refused(
        client, world.meeting, url("staff-objection-rule", objection.pk), data, status=400, message=message
    )


def test_an_objection_is_ruled_once(client, county):
    world, snapshot = published_in(county)
    objection = lodge(snapshot)
    results_services.objection_rule(objection=objection, upheld=False, ruling="Checked.", by=county.moderator)
    client.force_login(county.township_admin)
    assert_refused(
        client,
        world.meeting,
        url("staff-objection-rule", objection.pk),
        {"decision": "upheld", "ruling": "Again"},
        status=409,
        message="This objection has already been ruled on.",
    )


def test_objections_to_withdrawn_results_still_get_their_ruling(client, county):
    world, snapshot = published_in(county)
    objection = lodge(snapshot)
    from meetings.services import meeting_annul

    meeting_annul(meeting=world.meeting, reason="Ballot box tampered with", by=county.township_admin)
    client.force_login(county.moderator)
    queue = page(client.get(url("staff-objections")))
    assert url("staff-objection-rule", objection.pk) in queue
    response = client.post(
        url("staff-objection-rule", objection.pk),
        {"decision": "upheld", "ruling": "The meeting was annulled"},
    )
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "upheld"
    assert objection.ruling == "The meeting was annulled"


# --- what the lists show, and their cost ----------------------------------------------------------


def test_objection_queue_oldest_first_and_scoped(client, county):
    _world, snapshot = published_in(county)
    _other, elsewhere = published_in(county, "elsewhere")
    lodge(snapshot, text="First objection", address="10.0.0.1")
    lodge(snapshot, text="Second objection", address="10.0.0.2")
    lodge(elsewhere, text="Another township's objection", address="10.0.0.3")
    client.force_login(county.moderator)
    queue = page(client.get(url("staff-objections")))
    assert queue.index("First objection") < queue.index("Second objection")
    assert "Another township" not in queue


def test_objection_queue_is_not_n_plus_one(client, county, django_assert_num_queries):
    _world, snapshot = published_in(county)
    _other, neighbour = published_in(county, "neighbour")
    for number in range(12):
        objection = lodge(
            snapshot if number % 2 else neighbour, text=f"Objection {number}", address=f"10.0.0.{number}"
        )
        if number < 4:
            results_services.objection_rule(
                objection=objection, upheld=False, ruling="No.", by=county.superuser
            )
    client.force_login(county.township_admin)
    # session, user, "moderates somewhere?", pending count (paginator), one page of pending objections
    # with their meeting and village, the recent rulings with theirs and the ruler, and the
    # navigation's permissions (2) — whatever the number of objections, meetings and villages
    with django_assert_num_queries(8):
        response = client.get(url("staff-objections"))
    assert "Objection 11" in page(response)
    assert "Objection 0" in page(response)


def test_honor_page_is_not_n_plus_one(client, county, django_assert_num_queries):
    votes = ["satisfied"] * 8
    world = voted_world(county, votes, households=8, nominations=[[index] for index in range(8)])
    for household in world.households[:3]:
        results_services.honor_nominate(
            meeting=world.meeting, household=household, reason="Committee", by=county.moderator
        )
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    client.force_login(county.moderator)
    # session, user, the meeting in scope, the candidates with their households, their first
    # residents' names (one query), the committees' nominations with households, the village's
    # household numbers for the chooser, whether the account runs the meeting (where the breadcrumb
    # leads), and the navigation's permissions (2) — whatever the number of candidates
    with django_assert_num_queries(10):
        response = client.get(url("staff-honor", world.meeting.pk))
    assert page(response).count('class="candidate-review"') == 8


def test_honor_candidates_most_votes_first_with_first_resident(client, county):
    world = world_in(county)
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    client.force_login(county.moderator)
    honor = page(client.get(url("staff-honor", world.meeting.pk)))
    first_name = world.households[0].residents.order_by("pk").first().name
    assert honor.index(world.households[0].number) < honor.index(world.households[1].number)
    assert first_name in honor


# --- the entry points -----------------------------------------------------------------------------


def test_dashboard_cards(client, county):
    world, snapshot = published_in(county)
    lodge(snapshot)
    lodge(snapshot, address="10.0.0.9")
    client.force_login(county.moderator)
    dashboard = page(client.get(reverse("staff:dashboard")))
    assert url("staff-objections") in dashboard
    assert 'objections-count">2<' in dashboard
    assert "Results to publish" not in dashboard

    client.force_login(county.township_admin)
    dashboard = page(client.get(reverse("staff:dashboard")))
    assert "Results to publish" in dashboard
    assert url("staff-results", world.meeting.pk) in dashboard

    client.force_login(county.operator)
    dashboard = page(client.get(reverse("staff:dashboard")))
    assert url("staff-objections") not in dashboard
    assert "Results to publish" not in dashboard


def moderated_card(client) -> str:
    """The dashboard's "Honor roll and results" card, or "" when it is not shown."""
    found = re.search(
        r'<ul class="[^"]*moderated-meetings">.*?</ul>', page(client.get(reverse("staff:dashboard"))), re.S
    )
    return found.group(0) if found else ""


def test_dashboard_links_the_honor_rolls_and_results_a_moderator_reviews(client, county):
    world = world_in(county)  # voting closed: households 0 and 1 were nominated
    results_services.honor_candidates_collect(meeting=world.meeting, by=county.moderator)
    announced = make_meeting(county.village, year=2025)
    finished = make_meeting(county.village, year=2023, status=Meeting.Status.FINAL)
    neighbours = make_meeting(county.neighbour, year=2024)
    client.force_login(county.moderator)

    card = moderated_card(client)

    # The vote closed: its honor roll (two households to review) and its results.
    assert url("staff-honor", world.meeting.pk) in card and url("staff-results", world.meeting.pk) in card
    assert "2 to review" in card
    # Announced: nominations are open, there are no results yet.
    assert url("staff-honor", announced.pk) in card and url("staff-results", announced.pk) not in card
    # A final meeting is done; another village's is not this moderator's.
    for meeting in (finished, neighbours):
        assert f"/meetings/{meeting.pk}/" not in card
    # Every link opens for them (none leads to a refusal).
    for link in re.findall(r'href="([^"]+)"', card):
        assert client.get(link).status_code == 200

    client.force_login(county.township_admin)
    assert url("staff-honor", neighbours.pk) in moderated_card(client)
    client.force_login(county.operator)
    assert moderated_card(client) == ""


def test_meeting_control_links(client, county):
    world = world_in(county)
    control = reverse("meetings:staff-meeting", args=[world.meeting.pk])
    client.force_login(county.township_admin)
    page_text = page(client.get(control))
    assert url("staff-results", world.meeting.pk) in page_text
    assert url("staff-honor", world.meeting.pk) in page_text
    client.force_login(county.operator)
    assert url("staff-results", world.meeting.pk) not in page(client.get(control))
    Meeting.objects.filter(pk=world.meeting.pk).update(status=Meeting.Status.VOTING_OPEN)
    client.force_login(county.township_admin)
    assert url("staff-results", world.meeting.pk) not in page(client.get(control))


def test_the_objection_queue_pages_through_the_shared_pager(client, county):
    _world, snapshot = published_in(county)
    for number in range(26):  # one more than a page holds
        lodge(snapshot, text=f"Objection number {number:02d}", address=f"10.0.1.{number}")
    client.force_login(county.moderator)
    first = page(client.get(url("staff-objections"), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Page 1 of 2" in first and "?page=2" in first and "Objection number 00" in first
    assert "Objection number 25" not in first
    second = page(client.get(url("staff-objections") + "?page=2", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Page 2 of 2" in second and "Objection number 25" in second and "?page=1" in second
