"""A closed vote with its results computed, a supervision committee and its chair, two named scrutineers:
each signer with an account of their own."""

from dataclasses import dataclass

import pytest

from meetings.models import Meeting
from portal.models import Resident, SupervisionMember
from portal.services.supervision import supervision_member_add
from ratings.closure import services as closure_services
from ratings.models import ResultSnapshot, Scrutineer
from ratings.results import services as results_services
from tests.factories import UserFactory
from tests.worlds import BallotWorld, make_resident, voted_world

# Five voters of five on the roll: the quorum is met, and k = 5 ballots let the figures be shown.
VOTES = ["satisfied", "satisfied", "satisfied", "dissatisfied", "basically_satisfied"]


@dataclass
class Closing:
    world: BallotWorld
    draft: ResultSnapshot
    chair: SupervisionMember
    first: Scrutineer
    second: Scrutineer
    chair_user: object
    first_user: object
    second_user: object
    bystander: Resident  # on the roll, neither cadre nor signer

    @property
    def meeting(self) -> Meeting:
        return self.world.meeting


@pytest.fixture
def closing(county) -> Closing:
    world = voted_world(county, VOTES)
    accounts = {name: UserFactory(username=name) for name in ("chair", "scrutineer1", "scrutineer2")}
    village = world.meeting.village
    chair = supervision_member_add(
        village=village,
        resident=make_resident(village, "Aygul Chair"),
        chair=True,
        user=accounts["chair"],
        by=county.township_admin,
    )
    first, second = (
        closure_services.scrutineer_name(
            meeting=world.meeting,
            resident=make_resident(village, name),
            user=accounts[account],
            by=county.operator,
        )
        for name, account in (("Mamat One", "scrutineer1"), ("Rozi Two", "scrutineer2"))
    )
    draft = results_services.results_compute(meeting=world.meeting, by=county.township_admin)
    return Closing(
        world=world,
        draft=draft,
        chair=chair,
        first=first,
        second=second,
        chair_user=accounts["chair"],
        first_user=accounts["scrutineer1"],
        second_user=accounts["scrutineer2"],
        bystander=make_resident(village, "Nur Bystander"),
    )
