"""The demo's meetings: what a visitor of `make run` finds on the public pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from meetings.demo import TOUR_VILLAGE
from meetings.models import Commitment, Meeting, Question, WorkReport
from meetings.quorum import quorum_of
from portal.audit import verify_chain
from portal.models import Village


@pytest.fixture
def demo(seeded_once, db):
    pass


def test_each_village_has_last_years_final_meeting_and_this_years_announced_one(demo):
    for village in Village.objects.all():
        last, this = (Meeting.objects.in_village(village).get(year=year) for year in (2025, 2026))
        assert last.status == Meeting.Status.FINAL
        assert this.status == Meeting.Status.ANNOUNCED
        for meeting in (last, this):
            reports = WorkReport.objects.filter(meeting=meeting)
            chinese = reports.filter(language=WorkReport.Language.CHINESE)
            assert chinese.count() == meeting.cadres.count() >= 6
            # The Party branch secretary's report has its Uyghur version too.
            [uyghur] = reports.filter(language=WorkReport.Language.UYGHUR)
            assert uyghur.cadre.posts.filter(post="party_secretary").exists()
            assert set(reports.values_list("status", flat=True)) == {WorkReport.Status.PUBLISHED}
            assert all(all(report.section_texts().values()) for report in reports)


def test_the_tours_meeting_is_one_representative_short_of_its_quorum(demo):
    """The README's tour: the clerk signs one representative in and the vote can then publish."""
    tour = Meeting.objects.in_village(Village.objects.get(code=TOUR_VILLAGE)).get(year=2026)
    assert tour.kind == Meeting.Kind.REPRESENTATIVES_ASSEMBLY
    quorum = quorum_of(tour)
    assert not quorum.met and quorum.missing == 1
    assert quorum.base > quorum.present + 1  # someone is left for the clerk to sign in
    others = Meeting.objects.filter(year=2026).exclude(pk=tour.pk)
    assert set(others.values_list("kind", flat=True)) == {Meeting.Kind.VILLAGERS_ASSEMBLY}


def test_last_years_questions_are_answered_and_commitments_cover_every_status(demo):
    last = Meeting.objects.filter(year=2025).first()
    questions = Question.objects.filter(meeting=last)
    assert questions.exists()
    assert not questions.filter(answer="").exists()
    statuses = set(Commitment.objects.from_meeting(last).values_list("status", flat=True))
    assert statuses == {Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS, Commitment.Status.DONE}
    assert Commitment.objects.from_meeting(last).filter(updates__isnull=False).exists()


def test_demo_is_written_through_audited_services(demo):
    assert verify_chain().intact
    call_command("seed_demo", stdout=StringIO())
    assert Meeting.objects.count() == 6


def test_public_pages_of_the_demo_answer_without_error(client, demo):
    village = Village.objects.order_by("code").first()
    this = Meeting.objects.in_village(village).get(year=2026)
    report = WorkReport.objects.filter(meeting=this).first()
    commitment = Commitment.objects.in_village(village).first()
    for url in (
        reverse("home"),
        reverse("village", args=[village.code]),
        reverse("meetings:village-meetings", args=[village.code]),
        reverse("meetings:township-meetings", args=[village.township.code]),
        this.get_absolute_url(),
        Meeting.objects.in_village(village).get(year=2025).get_absolute_url(),
        report.get_absolute_url(),
        reverse("meetings:commitments", args=[village.code]),
        commitment.get_absolute_url(),
    ):
        for language in ("zh-hans", "ug", "en"):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, url
    page = client.get(this.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # Next year's meeting page lists last year's commitments and how each ended.
    assert commitment.title in page
