"""Shared fixtures of the meetings tests (the builders they use are in tests/worlds.py)."""

import pytest
from django.utils import timezone

from meetings.models import Meeting, MeetingCadre
from portal.models import CadrePost
from ratings.models import RatingScheme
from tests.factories import CadreFactory, CadrePostFactory
from tests.worlds import MeetingWorld, meeting_world

# --- questions, commitments and work reports --------------------------------------------------------


@pytest.fixture
def qa(county) -> MeetingWorld:
    """The world of the questions and commitments tests."""
    return meeting_world(county, own_name="Own Cadre", other_name="Other Cadre")


@pytest.fixture
def rw(county) -> MeetingWorld:
    """The world of the work reports tests."""
    return meeting_world(county, own_name="Aygul Tursun", other_name="Memet Ali")


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh folder of each test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# --- the meeting itself (lifecycle, control, public pages) ---------------------------------------


@pytest.fixture
def scheme(db):
    return RatingScheme.objects.create(name="Test scheme")


@pytest.fixture
def meeting(county, scheme):
    """A draft meeting of county.village for 2024, held today (its vote may open), with two reporting
    cadres.

    The first cadre ("Alim Party Secretary") is linked to county.cadre's account; the second
    ("Gulnar Director") has no account. Both hold a current post. Move the meeting along with the
    services in meetings.services (meeting_announce, voting_open, ...).
    """
    own = CadreFactory(village=county.village, name="Alim Party Secretary", user=county.cadre)
    other = CadreFactory(village=county.village, name="Gulnar Director")
    CadrePostFactory(cadre=own, post=CadrePost.Post.PARTY_SECRETARY, term_start=2021)
    CadrePostFactory(cadre=other, post=CadrePost.Post.COMMITTEE_DIRECTOR, term_start=2021)
    meeting = Meeting.objects.create(
        village=county.village,
        year=2024,
        held_at=timezone.now(),
        venue="Village activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        agenda="Reports of the two committees\nQuestions\nRating",
        scheme=scheme,
    )
    MeetingCadre.objects.create(meeting=meeting, cadre=own, order=0)
    MeetingCadre.objects.create(meeting=meeting, cadre=other, order=1)
    return meeting
