"""Commitments (整改承诺): made from questions, updated with dated progress, shown publicly."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from meetings.models import Commitment, CommitmentUpdate, Meeting, Question
from meetings.questions import services
from portal.models import AuditEntry
from tests.payloads import IMG, SCRIPT
from tests.worlds import MODERATORS, NOT_MODERATORS, make_meeting, set_status

# May add progress and move the status of a commitment owned by qa.own_cadre (county.cadre's record).
MANAGERS = ["cadre", "moderator", "township_admin"]
NOT_MANAGERS = ["other_cadre_user", "operator", "nobody", "neighbour_moderator", "elsewhere_admin"]


pytestmark = pytest.mark.usefixtures("english", "english_pages")


def today():
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def make_commitment(
    meeting, owner, *, title="Repair the bridge", due=30, status=Commitment.Status.OPEN, **kw
):
    return Commitment.objects.create(
        meeting=meeting, owner=owner, title=title, due_date=days(due), status=status, **kw
    )


def image_bytes(image_format="PNG", size=(40, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=image_format, **save)
    return buffer.getvalue()


def upload(name="photo.png", content=None, content_type="image/png"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)


# --- creating -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", MODERATORS)
def test_moderators_make_commitments(qa, who):
    commitment = services.commitment_create(
        meeting=qa.meeting, owner=qa.own_cadre, title=" Fix the pump ", due_date=days(60), by=qa.account(who)
    )
    assert (commitment.title, commitment.status, commitment.done_at) == ("Fix the pump", "open", None)
    entry = AuditEntry.objects.get(action="commitment_create")
    assert entry.scope == qa.county.village.code and entry.target_id == str(commitment.pk)


@pytest.mark.parametrize("who", NOT_MODERATORS)
def test_others_make_no_commitments(qa, who):
    with pytest.raises(PermissionDenied):
        services.commitment_create(
            meeting=qa.meeting,
            owner=qa.own_cadre,
            title="Fix the pump",
            due_date=days(60),
            by=qa.account(who),
        )
    assert not Commitment.objects.exists()


def test_the_owner_must_be_a_cadre_of_the_meetings_village(qa):
    with pytest.raises(ValidationError) as raised:
        services.commitment_create(
            meeting=qa.meeting,
            owner=qa.neighbour_cadre,
            title="Fix it",
            due_date=days(9),
            by=qa.county.moderator,
        )
    assert "owner" in raised.value.message_dict


def test_no_due_date_before_the_meeting_and_no_commitment_of_a_draft(qa):
    # The meeting was held yesterday: a due date the day before cannot be right.
    with pytest.raises(ValidationError) as raised:
        services.commitment_create(
            meeting=qa.meeting, owner=qa.own_cadre, title="Fix it", due_date=days(-2), by=qa.county.moderator
        )
    assert "due_date" in raised.value.message_dict
    set_status(qa.meeting, Meeting.Status.DRAFT)
    with pytest.raises(ValidationError):
        services.commitment_create(
            meeting=qa.meeting, owner=qa.own_cadre, title="Fix it", due_date=days(9), by=qa.county.moderator
        )


def test_a_pending_question_becomes_a_commitment_and_is_approved_with_it(qa):
    question = Question.objects.create(
        meeting=qa.meeting, text="The bridge is broken", source=Question.Source.ONLINE, cadre=qa.own_cadre
    )
    commitment = services.commitment_create_from_question(
        question=question,
        owner=qa.own_cadre,
        title="Repair the bridge",
        due_date=days(90),
        by=qa.county.moderator,
    )
    question.refresh_from_db()
    assert commitment.question == question and commitment.meeting == qa.meeting
    assert question.status == Question.Status.APPROVED
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "question_approve",
        "commitment_create",
    }
    with pytest.raises(ValidationError):
        services.commitment_create_from_question(
            question=question, owner=qa.own_cadre, title="Again", due_date=days(90), by=qa.county.moderator
        )


def test_a_hidden_question_does_not_become_a_commitment(qa):
    question = Question.objects.create(
        meeting=qa.meeting, text="Rude", source=Question.Source.ONLINE, status=Question.Status.HIDDEN
    )
    with pytest.raises(ValidationError):
        services.commitment_create_from_question(
            question=question, owner=qa.own_cadre, title="No", due_date=days(9), by=qa.county.moderator
        )


# --- progress and status ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", MANAGERS)
def test_the_owner_and_moderators_add_progress(qa, who, media_root):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    update = services.commitment_update_add(
        commitment=commitment, text="Materials bought", photo=upload(), by=qa.account(who)
    )
    assert update.date == today() and update.created_by == qa.account(who)
    assert update.photo.name.startswith(f"commitments/{today().year}/") and update.photo.name.endswith(".png")
    assert "photo" not in update.photo.name  # a generated name, not the uploaded one
    assert AuditEntry.objects.filter(action="commitment_update_add").count() == 1


@pytest.mark.parametrize("who", NOT_MANAGERS)
def test_nobody_else_adds_progress_or_moves_the_status(qa, who):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    with pytest.raises(PermissionDenied):
        services.commitment_update_add(commitment=commitment, text="Done!", by=qa.account(who))
    with pytest.raises(PermissionDenied):
        services.commitment_set_status(commitment=commitment, status="done", by=qa.account(who))
    assert not CommitmentUpdate.objects.exists()


def test_progress_is_not_dated_in_the_future_nor_before_the_meeting(qa):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    with pytest.raises(ValidationError) as raised:
        services.commitment_update_add(commitment=commitment, text="Soon", date=days(1), by=qa.county.cadre)
    assert "date" in raised.value.message_dict
    with pytest.raises(ValidationError):
        services.commitment_update_add(
            commitment=commitment, text="Early", date=days(-30), by=qa.county.cadre
        )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"#!/bin/sh\nrm -rf /\n"),
        ("photo.jpg", b"<script>alert(1)</script>"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG header with nothing behind
        ("photo.gif", None),  # a real image, but not one of the accepted formats
    ],
)
def test_only_real_photos_are_accepted(qa, media_root, name, content):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    if content is None:
        content = image_bytes("GIF")
    with pytest.raises(ValidationError) as raised:
        services.commitment_update_add(
            commitment=commitment, text="Look", photo=upload(name, content, "image/jpeg"), by=qa.county.cadre
        )
    assert "photo" in raised.value.message_dict
    assert not CommitmentUpdate.objects.exists()


def test_a_photo_over_5_mib_is_refused(qa, media_root):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    big = image_bytes("PNG") + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(ValidationError) as raised:
        services.commitment_update_add(
            commitment=commitment, text="Big", photo=upload(content=big), by=qa.county.cadre
        )
    assert "5 MB" in raised.value.message_dict["photo"][0]


def test_a_stored_photo_loses_its_exif_location(qa, media_root):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make; a GPS block travels the same way
    content = image_bytes("JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(content)).getexif()
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    update = services.commitment_update_add(
        commitment=commitment, text="Photo", photo=upload("p.jpg", content, "image/jpeg"), by=qa.county.cadre
    )
    with Image.open(update.photo.path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()


def test_the_owner_moves_forward_only_a_moderator_reopens(qa):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    services.commitment_set_status(commitment=commitment, status="in_progress", by=qa.county.cadre)
    commitment = services.commitment_set_status(commitment=commitment, status="done", by=qa.county.cadre)
    assert (commitment.status, commitment.done_at) == ("done", today())
    with pytest.raises(PermissionDenied):
        services.commitment_set_status(commitment=commitment, status="in_progress", by=qa.county.cadre)
    commitment = services.commitment_set_status(
        commitment=commitment, status="in_progress", by=qa.county.moderator
    )
    assert (commitment.status, commitment.done_at) == ("in_progress", None)
    moves = list(
        AuditEntry.objects.filter(action="commitment_set_status")
        .order_by("seq")
        .values_list("details", flat=True)
    )
    assert moves == [
        {"from": "open", "to": "in_progress"},
        {"from": "in_progress", "to": "done"},
        {"from": "done", "to": "in_progress"},
    ]


def test_an_unknown_status_is_refused(qa):
    with pytest.raises(ValidationError):
        services.commitment_set_status(
            commitment=make_commitment(qa.meeting, qa.own_cadre), status="forgotten", by=qa.county.moderator
        )


@pytest.mark.parametrize(
    ("due", "status", "overdue"),
    [
        (-1, "open", True),
        (-1, "in_progress", True),
        (-1, "done", False),
        (0, "open", False),
        (5, "open", False),
    ],
)
def test_overdue_is_computed_from_the_due_date(qa, due, status, overdue):
    commitment = make_commitment(qa.meeting, qa.own_cadre, due=due, status=status)
    assert commitment.is_overdue is overdue
    assert Commitment.objects.overdue().filter(pk=commitment.pk).exists() is overdue


# --- the public pages ---------------------------------------------------------------------------------


@pytest.fixture
def spread(qa):
    """One commitment in each state, two owners, and one in the neighbour village."""
    return {
        "open": make_commitment(qa.meeting, qa.own_cadre, title="Open one", due=10),
        "progress": make_commitment(
            qa.meeting, qa.other_cadre, title="Progressing one", due=20, status="in_progress"
        ),
        "done": make_commitment(
            qa.meeting, qa.own_cadre, title="Done one", due=-5, status="done", done_at=days(-9)
        ),
        "late": make_commitment(qa.meeting, qa.other_cadre, title="Late one", due=-3),
        "neighbour": make_commitment(qa.neighbour_meeting, qa.neighbour_cadre, title="Neighbour one"),
    }


def titles(response) -> set[str]:
    return {row.record.title for row in response.context["table"].page.object_list}


def commitments_url(qa, **params):
    return reverse("meetings:commitments", args=[qa.county.village.code]), params


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Open one", "Progressing one", "Done one", "Late one"}),
        ({"status": "open"}, {"Open one", "Late one"}),
        ({"status": "in_progress"}, {"Progressing one"}),
        ({"status": "done"}, {"Done one"}),
        ({"status": "overdue"}, {"Late one"}),
        ({"owner": "own"}, {"Open one", "Done one"}),
        ({"owner": "other", "status": "overdue"}, {"Late one"}),
    ],
)
def test_the_commitments_page_filters_by_status_and_cadre(client, qa, spread, params, expected):
    owners = {"own": qa.own_cadre.pk, "other": qa.other_cadre.pk}
    if "owner" in params:
        params = {**params, "owner": owners[params["owner"]]}
    response = client.get(reverse("meetings:commitments", args=[qa.county.village.code]), params)
    assert response.status_code == 200
    assert titles(response) == expected


def test_the_commitments_page_sorts_and_pages(client, qa):
    for number in range(30):
        make_commitment(qa.meeting, qa.own_cadre, title=f"Task {number:02d}", due=number)
    url = reverse("meetings:commitments", args=[qa.county.village.code])
    first = client.get(url)
    assert [row.record.title for row in first.context["table"].page.object_list][:2] == ["Task 00", "Task 01"]
    latest = client.get(url, {"sort": "-due_date"})
    assert latest.context["table"].page.object_list[0].record.title == "Task 29"
    second = client.get(url, {"page": 2})
    assert {row.record.title for row in second.context["table"].page.object_list} == {
        f"Task {n}" for n in range(25, 30)
    }


def test_bad_filters_are_a_400_and_another_villages_cadre_is_not_a_choice(client, qa, spread):
    url = reverse("meetings:commitments", args=[qa.county.village.code])
    assert client.get(url, {"status": "forgotten"}).status_code == 400
    assert client.get(url, {"owner": qa.neighbour_cadre.pk}).status_code == 400
    assert client.get(url, {"owner": "x"}).status_code == 400
    assert client.get(reverse("meetings:commitments", args=["999999999999"])).status_code == 404


def test_the_commitments_page_shows_the_overdue_badge(client, qa, spread):
    html = client.get(reverse("meetings:commitments", args=[qa.county.village.code])).content.decode()
    assert html.count("text-bg-danger") == 1  # only the late one
    assert "Neighbour one" not in html


def test_the_commitments_page_is_not_n_plus_one(client, qa, django_assert_num_queries):
    for number in range(30):
        make_commitment(
            qa.meeting, [qa.own_cadre, qa.other_cadre][number % 2], title=f"Task {number}", due=number - 3
        )
    # village with township, row count, one page of commitments with owner and meeting, the cadres
    # of the owner filter's choices — whatever the number of commitments (anonymous: no session)
    with django_assert_num_queries(4):
        response = client.get(reverse("meetings:commitments", args=[qa.county.village.code]))
    assert "Task 21" in response.content.decode()


def test_the_commitment_page_shows_progress_with_photos_escaped(client, qa, media_root):
    commitment = make_commitment(qa.meeting, qa.own_cadre, title=f"Title {SCRIPT}", details=f"Details {IMG}")
    services.commitment_update_add(
        commitment=commitment, text=f"First {IMG}", date=today(), by=qa.county.cadre
    )
    services.commitment_update_add(
        commitment=commitment, text=f"Second {SCRIPT}", photo=upload(), by=qa.county.moderator
    )
    html = client.get(reverse("meetings:commitment", args=[commitment.pk])).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "First &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    photo = CommitmentUpdate.objects.exclude(photo="").get().photo
    assert f'src="/media/{photo.name}"' in html
    assert "Own Cadre" in html


def test_the_commitment_page_shows_done_and_overdue(client, qa):
    late = make_commitment(qa.meeting, qa.own_cadre, due=-2)
    done = make_commitment(qa.meeting, qa.own_cadre, due=-2, status="done", done_at=datetime.date(2025, 3, 4))
    assert "overdue" in client.get(late.get_absolute_url()).content.decode()
    html = client.get(done.get_absolute_url()).content.decode()
    assert "overdue" not in html and "done on" in html


# --- the staff pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("cadre", 200),
        ("moderator", 200),
        ("township_admin", 200),
        ("other_cadre_user", 404),
        ("operator", 404),
        ("neighbour_moderator", 404),
        ("elsewhere_admin", 404),
        ("nobody", 404),
    ],
)
def test_the_manage_pages_matrix(client, qa, media_root, who, expected):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    client.force_login(qa.account(who))
    assert client.get(reverse("meetings:commitment-manage", args=[commitment.pk])).status_code == expected
    response = client.post(
        reverse("meetings:commitment-update-add", args=[commitment.pk]),
        {"date": today().isoformat(), "text": "Half done", "photo": upload()},
    )
    assert response.status_code == (302 if expected == 200 else 404)
    response = client.post(
        reverse("meetings:commitment-status", args=[commitment.pk]), {"status": "in_progress"}
    )
    assert response.status_code == (302 if expected == 200 else 404)
    commitment.refresh_from_db()
    assert (commitment.status == "in_progress") == (expected == 200)
    assert CommitmentUpdate.objects.exists() == (expected == 200)


def test_the_manage_pages_need_a_login(client, qa):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    response = client.post(reverse("meetings:commitment-status", args=[commitment.pk]), {"status": "done"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    commitment.refresh_from_db()
    assert commitment.status == "open"


def test_a_script_renamed_jpg_is_refused_with_a_400(client, qa, media_root):
    commitment = make_commitment(qa.meeting, qa.own_cadre)
    client.force_login(qa.county.cadre)
    fake = SimpleUploadedFile("progress.jpg", b"<?php system($_GET['c']); ?>", content_type="image/jpeg")
    response = client.post(
        reverse("meetings:commitment-update-add", args=[commitment.pk]),
        {"date": today().isoformat(), "text": "See the photo", "photo": fake},
    )
    assert response.status_code == 400
    assert "The photo must be a JPEG, PNG or WebP image." in response.content.decode()
    assert not CommitmentUpdate.objects.exists()


def test_the_owner_reopening_gets_a_403_with_the_reason(client, qa):
    commitment = make_commitment(qa.meeting, qa.own_cadre, status="done", done_at=today())
    client.force_login(qa.county.cadre)
    response = client.post(reverse("meetings:commitment-status", args=[commitment.pk]), {"status": "open"})
    assert response.status_code == 403
    assert "Only a moderator can reopen a commitment." in response.content.decode()
    assert (
        client.post(reverse("meetings:commitment-status", args=[commitment.pk]), {"status": "x"}).status_code
        == 400
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("moderator", 302),
        ("township_admin", 302),
        ("neighbour_moderator", 404),
        ("operator", 404),
        ("cadre", 404),
    ],
)
def test_the_commitment_from_question_view_matrix(client, qa, who, expected):
    question = Question.objects.create(meeting=qa.meeting, text="Broken lamp", source=Question.Source.ONLINE)
    client.force_login(qa.account(who))
    url = reverse("meetings:commitment-from-question", args=[question.pk])
    assert client.get(url).status_code == (200 if expected == 302 else 404)
    data = {
        "owner": qa.own_cadre.pk,
        "title": "Replace the lamp",
        "details": "",
        "due_date": days(14).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == expected
    if expected == 302:
        commitment = Commitment.objects.get()
        assert response["Location"] == commitment.get_absolute_url()
        assert commitment.question == question
    else:
        assert not Commitment.objects.exists()


def test_the_commitment_form_refuses_bad_input_with_400(client, qa):
    client.force_login(qa.county.moderator)
    url = reverse("meetings:commitment-create", args=[qa.meeting.pk])
    assert client.get(url).status_code == 200
    past = {"owner": qa.own_cadre.pk, "title": "Late", "details": "", "due_date": days(-3).isoformat()}
    response = client.post(url, past)
    assert response.status_code == 400
    assert "The due date cannot be before the meeting." in response.content.decode()
    foreign = {**past, "owner": qa.neighbour_cadre.pk, "due_date": days(3).isoformat()}
    assert client.post(url, foreign).status_code == 400
    assert not Commitment.objects.exists()
    client.force_login(qa.county.moderator)
    assert (
        client.get(reverse("meetings:commitment-create", args=[qa.neighbour_meeting.pk])).status_code == 404
    )


def test_my_commitments_lists_my_own_only(client, qa):
    make_commitment(qa.meeting, qa.own_cadre, title="Mine")
    make_commitment(qa.meeting, qa.other_cadre, title="My colleague's")
    client.force_login(qa.county.cadre)
    html = client.get(reverse("meetings:my-commitments")).content.decode()
    assert "Mine" in html and "My colleague&#x27;s" not in html


def test_my_commitments_is_not_n_plus_one(client, qa, django_assert_num_queries):
    for number in range(12):
        make_commitment(qa.meeting, qa.own_cadre, title=f"Task {number}", due=number - 4)
    client.force_login(qa.county.cadre)
    # session, user, row count (paginator), one page of commitments with meeting, village and owner,
    # the navigation's permissions (user's and groups') — whatever the number of commitments
    with django_assert_num_queries(6):
        response = client.get(reverse("meetings:my-commitments"))
    assert "Task 11" in response.content.decode()


# --- last year's commitments on next year's meeting page ----------------------------------------------


def test_last_years_commitments_say_how_they_ended(qa):
    last_year = make_meeting(qa.county.village, [qa.own_cadre], year=2023, status=Meeting.Status.FINAL)
    make_commitment(
        last_year,
        qa.own_cadre,
        title="Done thing",
        due=-100,
        status="done",
        done_at=datetime.date(2024, 5, 6),
    )
    make_commitment(last_year, qa.own_cadre, title="Late thing", due=-10)
    make_commitment(last_year, qa.own_cadre, title="Open thing", due=10)
    make_commitment(last_year, qa.own_cadre, title="Moving thing", due=10, status="in_progress")
    html = render_to_string(
        "meetings/commitments/_last_year.html",
        {"previous_commitments": Commitment.objects.from_meeting(last_year).select_related("owner")},
    )
    rows = {line.split("</a>")[0].rsplit(">", 1)[-1]: line for line in html.split("<tr>")[2:]}
    assert "Done on May 6, 2024" in rows["Done thing"]
    assert "Overdue since" in rows["Late thing"]
    assert "Still open" in rows["Open thing"]
    assert "Still in progress" in rows["Moving thing"]


def test_the_last_year_partial_is_empty_without_commitments():
    assert (
        render_to_string("meetings/commitments/_last_year.html", {"previous_commitments": []}).strip() == ""
    )


def test_done_on_a_past_day_within_the_meetings_lifetime(qa):
    commitment = services.commitment_create(
        meeting=qa.meeting, owner=qa.own_cadre, title="Fix it", due_date=days(9), by=qa.county.moderator
    )
    with pytest.raises(ValidationError):
        services.commitment_set_status(
            commitment=commitment, status=Commitment.Status.DONE, done_on=days(1), by=qa.county.moderator
        )
    with pytest.raises(ValidationError):
        services.commitment_set_status(
            commitment=commitment, status=Commitment.Status.DONE, done_on=days(-5), by=qa.county.moderator
        )
    done = services.commitment_set_status(
        commitment=commitment, status=Commitment.Status.DONE, done_on=days(0), by=qa.county.moderator
    )
    assert done.done_at == days(0)
