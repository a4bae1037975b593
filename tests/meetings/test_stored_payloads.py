"""A script stored in any free-text field — by a form, an import, the admin or a future bug — stays
inert on every page that shows it back. The payloads are written straight to the database, past
every form and service, as a bug would."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Commitment, CommitmentUpdate, Meeting, MeetingCadre, Question, WorkReport
from ratings.models import RatingScheme
from tests.factories import CadreFactory, CadrePostFactory
from tests.payloads import PAYLOADS, assert_pages_inert


@pytest.fixture
def poisoned(county):
    """A meeting whose every free-text field holds a payload, with a published report and more."""
    payload = iter(PAYLOADS * 10)
    cadre = CadreFactory(village=county.village, name=next(payload), user=county.cadre)
    CadrePostFactory(cadre=cadre)
    meeting = Meeting.objects.create(
        village=county.village,
        year=2026,
        held_at=timezone.now() - datetime.timedelta(days=1),
        venue=next(payload),
        agenda=next(payload),
        scheme=RatingScheme.objects.create(name=next(payload)),
        status=Meeting.Status.ANNOUNCED,
    )
    MeetingCadre.objects.create(meeting=meeting, cadre=cadre)
    report = WorkReport.objects.create(
        meeting=meeting,
        cadre=cadre,
        status=WorkReport.Status.PUBLISHED,
        moderator_comment=next(payload),
        **{name: next(payload) for name, _label in WorkReport.SECTIONS},
    )
    question = Question.objects.create(
        meeting=meeting,
        cadre=cadre,
        text=next(payload),
        asker_name=next(payload),
        answer=next(payload),
        source=Question.Source.ONLINE,
        status=Question.Status.APPROVED,
    )
    commitment = Commitment.objects.create(
        meeting=meeting,
        question=question,
        owner=cadre,
        title=next(payload),
        details=next(payload),
        due_date=datetime.date(2027, 1, 1),
    )
    CommitmentUpdate.objects.create(commitment=commitment, text=next(payload))
    return meeting, report, commitment


def test_public_pages_render_stored_payloads_inert(client, poisoned, county):
    meeting, report, commitment = poisoned
    # Plain-text fields show the payload as text: escaped, not dropped.
    assert (
        "&lt;script&gt;window[&quot;xss-probe&quot;]"
        in client.get(meeting.get_absolute_url()).content.decode()
    )
    assert_pages_inert(
        client,
        [
            meeting.get_absolute_url(),
            report.get_absolute_url(),
            commitment.get_absolute_url(),
            reverse("meetings:commitments", args=[county.village.code]),
            reverse("meetings:village-meetings", args=[county.village.code]),
            reverse("village", args=[county.village.code]),
        ],
    )


def test_staff_pages_render_stored_payloads_inert(client, poisoned, county):
    meeting, report, commitment = poisoned
    client.force_login(county.cadre)
    assert_pages_inert(
        client,
        [
            reverse("meetings:my-reports"),
            reverse("meetings:report-edit", args=[report.pk]),
            reverse("meetings:my-questions"),
            reverse("meetings:my-commitments"),
        ],
    )
    client.force_login(county.township_admin)
    assert_pages_inert(
        client,
        [
            reverse("meetings:moderation-report", args=[report.pk]),
            reverse("meetings:question-queue"),
            reverse("meetings:staff-meeting", args=[meeting.pk]),
            reverse("meetings:commitment-manage", args=[commitment.pk]),
        ],
    )
