"""The kiosk's test world: tests.ratings.ballot.ballot_world's open vote, with what the kiosk shows besides.

Cadres hold posts and one has a published report (its opening is the summary under the name); the
village's households have residents with names to search for.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from meetings.models import WorkReport
from portal.models import CadrePost, Household
from ratings.ballot.terminals import TERMINAL_COOKIE
from tests.factories import CadrePostFactory, ResidentFactory
from tests.ratings.ballot.ballot_world import BallotWorld, build_world

# Names a villager would search for, one household each (the first of the world's households).
RESIDENT_NAMES = ("Aygul Tursun", "Mamat Ali", "Rozi Niyaz", "Patigul Ehmet")
REPORT_OPENING = "**Led** the branch: [roads](https://example.org) and _water_ for 320 households."


@dataclass
class KioskWorld:
    ballot: BallotWorld

    def __getattr__(self, name):
        return getattr(self.ballot, name)

    def household_named(self, name: str) -> Household:
        return self.ballot.households[RESIDENT_NAMES.index(name)]


def build_kiosk_world(county, **options) -> KioskWorld:
    world = build_world(county, **options)
    for cadre, post in zip(world.cadres, CadrePost.Post.values, strict=False):
        CadrePostFactory(cadre=cadre, post=post, term_start=world.meeting.year - 3)
    WorkReport.objects.create(
        meeting=world.meeting,
        cadre=world.cadres[0],
        duties=REPORT_OPENING,
        achievements="Incomes up 9%.",
        status=WorkReport.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    for household, name in zip(world.households, RESIDENT_NAMES, strict=False):
        ResidentFactory(household=household, name=name)
    return KioskWorld(world)


def arm(client, world) -> None:
    """Make the test client's browser the world's first terminal."""
    client.cookies[TERMINAL_COOKIE] = world.token


def url(name: str, *args) -> str:
    return reverse(f"ratings:{name}", args=args)
