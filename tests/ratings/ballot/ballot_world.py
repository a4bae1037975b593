"""A meeting with voting open, built through the services: the world the ballot tests vote in.

Plain functions rather than fixtures, so that the tests of the secret ballot, of casting, of bad posts
and the concurrency runner (which builds the same world in a database of its own) share one builder.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import Meeting
from portal.models import Cadre, Household, Resident
from ratings.ballot import schemes, services
from ratings.models import Criterion, Grade, RatingScheme, Terminal
from tests.factories import CadreFactory, HouseholdFactory, ResidentFactory


@dataclass
class BallotWorld:
    meeting: Meeting
    scheme: RatingScheme
    cadres: list[Cadre]
    criteria: list[Criterion]
    grades: dict[str, Grade]  # by code: "satisfied", "dont_know", ...
    households: list[Household]  # of the meeting's village
    foreign_household: Household  # of the neighbour village
    terminal: Terminal
    token: str
    other_terminal: Terminal
    other_token: str
    codes: list[str] = field(default_factory=list)  # pre-printed, unused
    residents: list[Resident] = field(default_factory=list)  # each received a code (the poll book)
    resident_codes: list[str] = field(default_factory=list)
    operator: object = None

    def lines(self) -> list[tuple[int, int | None]]:
        """Every (cadre, criterion) a full ballot grades; criterion None in quick mode."""
        criteria = [None] if self.scheme.quick_mode else [criterion.pk for criterion in self.criteria]
        return [(cadre.pk, criterion) for cadre in self.cadres for criterion in criteria]

    def full_grades(self, grade: str = "satisfied") -> dict[tuple[int, int | None], int]:
        return dict.fromkeys(self.lines(), self.grades[grade].pk)

    def cast(self, code: str, *, grade: str = "satisfied", households=(), terminal=None):
        return services.ballot_cast(
            terminal=terminal or self.terminal,
            code=code,
            grades=self.full_grades(grade),
            households=[household.pk for household in households],
        )


def build_world(
    county,
    *,
    village=None,
    year: int = 2024,
    quick_mode: bool = False,
    codes: int = 5,
    residents: int = 2,
    cadres: int = 2,
    households: int = 4,
    operator=None,
    admin=None,
) -> BallotWorld:
    """The county's village (or `village`) holds its meeting; voting is open, two terminals are armed.

    The county needs `village`, `neighbour`, `township_admin` and `operator`, as tests/conftest.py's has;
    for a village where they hold no role, pass the accounts that set it up (`admin`, `operator`).
    """
    village = village or county.village
    operator = operator or county.operator
    scheme = schemes.scheme_create(name=f"Scheme of {village.code} {year}", quick_mode=quick_mode)
    reporting = [CadreFactory(village=village, name=f"Cadre {index}") for index in range(cadres)]
    meeting = meeting_services.meeting_create(
        village=village,
        year=year,
        held_at=timezone.now() - datetime.timedelta(hours=1),
        venue="Village activity center",
        kind=Meeting.Kind.VILLAGERS_ASSEMBLY,
        scheme=scheme,
        cadres=reporting,
        by=admin or county.township_admin,
    )
    homes = [HouseholdFactory(village=village, number=f"B{year}-{index}") for index in range(households)]
    voters = [ResidentFactory(household=homes[index % len(homes)]) for index in range(residents)]
    meeting_services.meeting_announce(meeting=meeting, by=operator)
    meeting = meeting_services.voting_open(meeting=meeting, by=operator)
    resident_codes = [
        services.code_issue(meeting=meeting, resident=resident, by=operator) for resident in voters
    ]
    terminal, token = services.terminal_arm(meeting=meeting, label="Terminal 1", by=operator)
    other_terminal, other_token = services.terminal_arm(meeting=meeting, label="Terminal 2", by=operator)
    return BallotWorld(
        meeting=meeting,
        scheme=scheme,
        cadres=reporting,
        criteria=list(scheme.criteria.order_by("order")),
        grades={grade.code: grade for grade in scheme.grades.all()},
        households=homes,
        foreign_household=HouseholdFactory(
            village=county.neighbour if village != county.neighbour else county.village,
            number=f"F{year}-{village.code}",
        ),
        terminal=terminal,
        token=token,
        other_terminal=other_terminal,
        other_token=other_token,
        codes=services.codes_issue_batch(meeting=meeting, count=codes, by=operator) if codes else [],
        residents=voters,
        resident_codes=resident_codes,
        operator=operator,
    )


def publish(meeting: Meeting, status: str = Meeting.Status.UNDER_NOTICE) -> Meeting:
    """Move a meeting's status straight in the database (the results' own services are tested apart)."""
    Meeting.objects.filter(pk=meeting.pk).update(status=status)
    meeting.refresh_from_db()
    return meeting
