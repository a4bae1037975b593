"""ratings.access: each ratings object a staff page fetches by its key exists only for the users who reach
its village with the capability the page needs; for anyone else it is a 404 (never a 403)."""

import pytest
from django.http import Http404

from portal.permissions import Capability
from ratings import access
from ratings.models import HonorCandidate
from ratings.results import services as results_services
from tests.worlds import published_world

# portal.permissions: the moderator moderates the county's own village only; the township
# administrator moderates and operates in every village of the township; the operator operates in
# the own village and moderates nowhere.
REACHES = {
    ("moderator", Capability.MODERATE): {"village"},
    ("township_admin", Capability.MODERATE): {"village", "neighbour"},
    ("operator", Capability.MODERATE): set(),
    ("operator", Capability.OPERATE_MEETING): {"village"},
    ("township_admin", Capability.OPERATE_MEETING): {"village", "neighbour"},
    ("moderator", Capability.OPERATE_MEETING): set(),
}


@pytest.fixture
def objects(county):
    """In each of the county's villages: published results, an objection, an honor candidate, a terminal."""
    found = {}
    for place in ("village", "neighbour"):
        setup = {} if place == "village" else {"admin": county.superuser, "operator": county.superuser}
        world, snapshot = published_world(
            county, ["satisfied"], nominations=[[0]], village=getattr(county, place), **setup
        )
        objection = results_services.objection_lodge(
            snapshot=snapshot, text="Recount, please.", sender_address="192.0.2.7"
        )
        found[place] = {
            "snapshot": snapshot,
            "objection": objection,
            "candidate": HonorCandidate.objects.of_meeting(world.meeting).get(),
            "terminal": world.terminal,
        }
    return found


ACCESSORS = {
    "snapshot": access.get_result_snapshot_for_user_or_404,
    "objection": access.get_objection_for_user_or_404,
    "candidate": access.get_honor_candidate_for_user_or_404,
    "terminal": access.get_terminal_for_user_or_404,
}


@pytest.mark.parametrize(("role", "capability"), list(REACHES))
@pytest.mark.parametrize("thing", list(ACCESSORS))
def test_an_object_out_of_reach_does_not_exist(county, objects, role, capability, thing):
    user = getattr(county, role)
    for place, found in objects.items():
        wanted = found[thing]
        if place in REACHES[(role, capability)]:
            assert ACCESSORS[thing](user, wanted.pk, capability) == wanted, place
        else:
            with pytest.raises(Http404):
                ACCESSORS[thing](user, wanted.pk, capability)


def test_a_terminal_is_found_only_under_its_own_meeting(county, objects):
    terminal = objects["village"]["terminal"]
    other_meeting = objects["neighbour"]["terminal"].meeting_id
    user, capability = county.township_admin, Capability.OPERATE_MEETING
    assert access.get_terminal_for_user_or_404(user, terminal.pk, capability, meeting_pk=terminal.meeting_id)
    with pytest.raises(Http404):
        access.get_terminal_for_user_or_404(user, terminal.pk, capability, meeting_pk=other_meeting)
