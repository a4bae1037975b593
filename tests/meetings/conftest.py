"""Shared fixtures of the meetings tests."""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from meetings.models import Meeting, MeetingCadre
from portal.models import Cadre, CadrePost
from ratings.models import RatingScheme
from tests.factories import CadreFactory, CadrePostFactory

# --- questions and commitments -------------------------------------------------------------------


@dataclass
class QuestionsWorld:
    """An announced meeting in each of the county's villages, and their cadres.

    `own_cadre` is the cadre record of the county's cadre account; `other_cadre` reports at the same
    meeting with an account of their own (`other_cadre_user`). Beside the county's accounts there are
    a moderator of the neighbour village and a township administrator of the other township.
    """

    county: object
    meeting: Meeting
    neighbour_meeting: Meeting
    elsewhere_meeting: Meeting
    own_cadre: Cadre
    other_cadre: Cadre
    neighbour_cadre: Cadre
    elsewhere_cadre: Cadre
    other_cadre_user: object
    neighbour_moderator: object
    elsewhere_admin: object

    def account(self, name: str):
        """An account by the name the permission matrices use; "anonymous" is None."""
        if name == "anonymous":
            return None
        return getattr(self, name, None) or getattr(self.county, name)


def make_meeting(village, cadres, *, year=2024, status=Meeting.Status.ANNOUNCED, scheme=None) -> Meeting:
    meeting = Meeting.objects.create(
        village=village,
        year=year,
        held_at=timezone.now() - datetime.timedelta(days=1),
        venue="Activity center",
        scheme=scheme or RatingScheme.objects.create(name=f"Scheme {village.code} {year}"),
        status=status,
    )
    for order, cadre in enumerate(cadres):
        MeetingCadre.objects.create(meeting=meeting, cadre=cadre, order=order)
    return meeting


@pytest.fixture
def qa(county):
    from portal.models import Role
    from portal.services.roles import role_grant
    from tests.factories import UserFactory

    other_cadre_user = UserFactory(username="qa-cadre2")
    role_grant(user=other_cadre_user, role=Role.CADRE, village=county.village, by=county.superuser)
    neighbour_moderator = UserFactory(username="qa-moderator-neighbour")
    role_grant(
        user=neighbour_moderator, role=Role.VILLAGE_MODERATOR, village=county.neighbour, by=county.superuser
    )
    elsewhere_admin = UserFactory(username="qa-admin-elsewhere")
    role_grant(
        user=elsewhere_admin,
        role=Role.TOWNSHIP_ADMIN,
        township=county.elsewhere.township,
        by=county.superuser,
    )
    own_cadre = CadreFactory(village=county.village, name="Own Cadre", user=county.cadre)
    other_cadre = CadreFactory(village=county.village, name="Other Cadre", user=other_cadre_user)
    neighbour_cadre = CadreFactory(village=county.neighbour, name="Neighbour Cadre")
    elsewhere_cadre = CadreFactory(village=county.elsewhere, name="Elsewhere Cadre")
    return QuestionsWorld(
        county=county,
        meeting=make_meeting(county.village, [own_cadre, other_cadre]),
        neighbour_meeting=make_meeting(county.neighbour, [neighbour_cadre]),
        elsewhere_meeting=make_meeting(county.elsewhere, [elsewhere_cadre]),
        own_cadre=own_cadre,
        other_cadre=other_cadre,
        neighbour_cadre=neighbour_cadre,
        elsewhere_cadre=elsewhere_cadre,
        other_cadre_user=other_cadre_user,
        neighbour_moderator=neighbour_moderator,
        elsewhere_admin=elsewhere_admin,
    )


# --- the meeting itself (lifecycle, control, public pages) ---------------------------------------


@pytest.fixture
def scheme(db):
    return RatingScheme.objects.create(name="Test scheme")


@pytest.fixture
def meeting(county, scheme):
    """A draft meeting of county.village for 2024, held in a week, with two reporting cadres.

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
        held_at=timezone.now() + datetime.timedelta(days=7),
        venue="Village activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        agenda="Reports of the two committees\nQuestions\nRating",
        scheme=scheme,
    )
    MeetingCadre.objects.create(meeting=meeting, cadre=own, order=0)
    MeetingCadre.objects.create(meeting=meeting, cadre=other, order=1)
    return meeting


# --- work reports --------------------------------------------------------------------------------


@dataclass
class ReportsWorld:
    """An announced meeting in the county's village, with two cadres who each have an account.

    `own_cadre` is the county's cadre account's record; `other_cadre` is a second cadre of the same
    village with an account of their own. Beside the county's accounts (moderator and township
    administrator of the village, operator) there are a moderator of the neighbour village and a
    township administrator of another township, who must see nothing of this village's reports.
    """

    county: object
    meeting: Meeting
    own_cadre: Cadre
    other_cadre: Cadre
    other_cadre_user: object
    neighbour_moderator: object
    elsewhere_admin: object
    neighbour_meeting: Meeting
    neighbour_cadre: Cadre


def make_report(meeting, cadre, *, status="draft", **sections):
    """A report straight in the database, in any status (the services are tested on their own)."""
    from meetings.models import WorkReport

    texts = {"duties": "I lead the committee.", **sections}
    published_at = timezone.now() if status == WorkReport.Status.PUBLISHED else None
    return WorkReport.objects.create(
        meeting=meeting, cadre=cadre, status=status, published_at=published_at, **texts
    )


@pytest.fixture
def rw(county):
    from portal.models import Role
    from portal.services.roles import role_grant
    from tests.factories import UserFactory

    other_cadre_user = UserFactory(username="cadre2")
    role_grant(user=other_cadre_user, role=Role.CADRE, village=county.village, by=county.superuser)
    neighbour_moderator = UserFactory(username="moderator-neighbour")
    role_grant(
        user=neighbour_moderator, role=Role.VILLAGE_MODERATOR, village=county.neighbour, by=county.superuser
    )
    elsewhere_admin = UserFactory(username="admin-elsewhere")
    role_grant(
        user=elsewhere_admin,
        role=Role.TOWNSHIP_ADMIN,
        township=county.elsewhere.township,
        by=county.superuser,
    )
    own_cadre = CadreFactory(village=county.village, name="Aygul Tursun", user=county.cadre)
    other_cadre = CadreFactory(village=county.village, name="Memet Ali", user=other_cadre_user)
    neighbour_cadre = CadreFactory(village=county.neighbour, name="Neighbour Cadre")
    return ReportsWorld(
        county=county,
        meeting=make_meeting(county.village, [own_cadre, other_cadre]),
        own_cadre=own_cadre,
        other_cadre=other_cadre,
        other_cadre_user=other_cadre_user,
        neighbour_moderator=neighbour_moderator,
        elsewhere_admin=elsewhere_admin,
        neighbour_meeting=make_meeting(county.neighbour, [neighbour_cadre]),
        neighbour_cadre=neighbour_cadre,
    )


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh folder of each test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
