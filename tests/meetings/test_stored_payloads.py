"""A script stored in any free-text field — by a form, an import, the admin or a future bug — stays
inert on every page that shows it back. The payloads are written straight to the database, past
every form and service, as a bug would."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Commitment, CommitmentUpdate, Meeting, MeetingCadre, Question, WorkReport
from ratings.models import RatingScheme
from tests.factories import CadreFactory, CadrePostFactory

MARK = "xss-probe"
PAYLOADS = [
    f'<script>window["{MARK}"]=1</script>',
    f"<img src=x onerror=\"window['{MARK}']=1\">",
    f'"><svg onload="window[\'{MARK}\']=1">',
    f"<a href=\"javascript:window['{MARK}']=1\">x</a>",
    f"<style>body{{background:url('{MARK}')}}</style>",
]


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


class ActiveContent(HTMLParser):
    """Collects what a browser would run or load from the page: script and style elements,
    event-handler attributes and javascript: URLs. Escaped text is text and never lands here."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._open = tag
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or value.startswith(("javascript:", "data:text/html")):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open and MARK in data:
            self.found.append(f"<{self._open}> holding {data!r}")


def assert_inert(html: str, url: str) -> None:
    parser = ActiveContent()
    parser.feed(html)
    assert not parser.found, f"{url}: {parser.found}"


def test_public_pages_render_stored_payloads_inert(client, poisoned, county):
    meeting, report, commitment = poisoned
    # Plain-text fields show the payload as text: escaped, not dropped.
    assert (
        "&lt;script&gt;window[&quot;xss-probe&quot;]"
        in client.get(meeting.get_absolute_url()).content.decode()
    )
    for url in (
        meeting.get_absolute_url(),
        report.get_absolute_url(),
        commitment.get_absolute_url(),
        reverse("meetings:commitments", args=[county.village.code]),
        reverse("meetings:village-meetings", args=[county.village.code]),
        reverse("village", args=[county.village.code]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)


def test_staff_pages_render_stored_payloads_inert(client, poisoned, county):
    meeting, report, commitment = poisoned
    client.force_login(county.cadre)
    for url in (
        reverse("meetings:my-reports"),
        reverse("meetings:report-edit", args=[report.pk]),
        reverse("meetings:my-questions"),
        reverse("meetings:my-commitments"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)
    client.force_login(county.township_admin)
    for url in (
        reverse("meetings:moderation-report", args=[report.pk]),
        reverse("meetings:question-queue"),
        reverse("meetings:staff-meeting", args=[meeting.pk]),
        reverse("meetings:commitment-manage", args=[commitment.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url)
