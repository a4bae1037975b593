"""A meeting whose vote has closed, with ballots cast through the kiosk's own service: the results' world.

`voted_world` builds on tests/ratings/ballot/ballot_world.py: every resident it creates receives a code (which
signs them in) and casts one ballot, then voting closes (which shakes the box). The results services,
pages and commands are tested against it.
"""

import datetime
from collections.abc import Callable, Sequence

from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import Meeting
from ratings.ballot import services
from ratings.models import ResultSnapshot
from ratings.results import services as results_services
from tests.ratings.ballot.ballot_world import BallotWorld, build_world

# A vote: one grade code for every line of the ballot, or a function (cadre index, criterion code or
# "overall") → grade code.
Vote = str | Callable[[int, str], str]


def voted_world(
    county,
    votes: Sequence[Vote],
    *,
    nominations: Sequence[Sequence[int]] | None = None,
    village=None,
    year: int = 2024,
    quick_mode: bool = False,
    cadres: int = 2,
    households: int = 4,
    admin=None,
    operator=None,
) -> BallotWorld:
    """Cast one ballot per vote and close voting. `nominations[i]` lists indexes into world.households."""
    world = build_world(
        county,
        village=village,
        year=year,
        quick_mode=quick_mode,
        codes=0,
        residents=len(votes),
        cadres=cadres,
        households=households,
        admin=admin,
        operator=operator,
    )
    criteria = {criterion.pk: criterion.code for criterion in world.criteria}
    index_of = {cadre.pk: index for index, cadre in enumerate(world.cadres)}
    for number, (code, vote) in enumerate(zip(world.resident_codes, votes, strict=True)):
        grades = {
            (cadre, criterion): world.grades[
                vote if isinstance(vote, str) else vote(index_of[cadre], criteria.get(criterion, "overall"))
            ].pk
            for cadre, criterion in world.lines()
        }
        chosen = nominations[number] if nominations and number < len(nominations) else ()
        services.ballot_cast(
            terminal=world.terminal,
            code=code,
            grades=grades,
            households=[world.households[index].pk for index in chosen],
        )
    world.meeting = meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    return world


def published_world(county, votes: Sequence[Vote], **options) -> tuple[BallotWorld, ResultSnapshot]:
    """A voted world whose results are computed and published (under notice), by the township admin."""
    admin = options.get("admin") or county.township_admin
    world = voted_world(county, votes, **options)
    if world.meeting.honor_candidates.exists() or options.get("nominations"):
        results_services.honor_candidates_collect(meeting=world.meeting, by=admin)
        for candidate in world.meeting.honor_candidates.all():
            results_services.honor_candidate_review(
                candidate=candidate, accept=True, award="Certificate", by=admin
            )
    snapshot = results_services.results_compute(meeting=world.meeting, by=admin)
    snapshot = results_services.results_publish(snapshot=snapshot, by=admin)
    world.meeting.refresh_from_db()
    return world, snapshot


def vote_again(world, year: int, grade: str, *, admin, operator) -> ResultSnapshot:
    """The same village and cadres another year: the same villagers vote `grade` everywhere; published."""
    meeting = meeting_services.meeting_create(
        village=world.meeting.village,
        year=year,
        held_at=timezone.now() - datetime.timedelta(hours=1),
        venue="Village activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        scheme=world.scheme,
        cadres=world.cadres,
        by=admin,
    )
    meeting_services.meeting_announce(meeting=meeting, by=operator)
    meeting = meeting_services.voting_open(meeting=meeting, by=operator)
    terminal, _token = services.terminal_arm(meeting=meeting, label="Terminal", by=operator)
    for resident in world.residents:
        code = services.code_issue(meeting=meeting, resident=resident, by=operator)
        services.ballot_cast(terminal=terminal, code=code, grades=world.full_grades(grade), households=[])
    meeting = meeting_services.voting_close(meeting=meeting, by=operator)
    draft = results_services.results_compute(meeting=meeting, by=admin)
    return results_services.results_publish(snapshot=draft, by=admin)
