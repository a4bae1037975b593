"""The test worlds both apps' tests build on: meetings and reports straight in the database, and votes
taken through the ballot's own services (open, at the kiosk, closed, published).

Plain functions rather than fixtures: the tests of several directories call them with options of their
own, and so does the concurrency runner (tests/ratings/ballot/race.py), which builds an open vote in a
database of its own. The fixtures built on them live in the conftest.py of the directory that uses them.
Every builder takes tests/conftest.py's `county` (or what race.py makes in its place).
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings import services as meeting_services
from meetings.models import Attendance, Meeting, MeetingCadre, WorkReport
from portal.models import Cadre, CadrePost, Household, Resident, Role
from portal.services.roles import role_grant
from portal.services.supervision import supervision_member_add
from ratings.ballot import codes as ballot_codes
from ratings.ballot import schemes, services
from ratings.closure import certificate as certificates
from ratings.closure import services as closure_services
from ratings.evaluations import services as evaluation_services
from ratings.models import (
    BallotCode,
    CodeBatch,
    Criterion,
    Grade,
    HouseholdProposal,
    RatingScheme,
    ResultSnapshot,
    Scrutineer,
    Terminal,
)
from ratings.results import services as results_services
from tests.factories import CadreFactory, CadrePostFactory, HouseholdFactory, ResidentFactory, UserFactory

Status = Meeting.Status
# The county's villages by the name tests/conftest.py gives them: its own, one of the same township,
# one of another township.
PLACES = ("village", "neighbour", "elsewhere")


# --- meetings and reports straight in the database ------------------------------------------------


def set_status(meeting: Meeting, status: str, **fields) -> Meeting:
    """Move a meeting's status straight in the database (the lifecycle's services are tested apart)."""
    Meeting.objects.filter(pk=meeting.pk).update(status=status, **fields)
    meeting.refresh_from_db()
    return meeting


def make_meeting(village, cadres=(), *, year: int = 2024, status=Status.ANNOUNCED, scheme=None) -> Meeting:
    """A meeting held yesterday with the brief's default scheme (unless `scheme`), `cadres` reporting."""
    meeting = Meeting.objects.create(
        village=village,
        year=year,
        held_at=timezone.now() - datetime.timedelta(days=1),
        venue="Activity center",
        scheme=scheme or schemes.scheme_create(name=f"Scheme {village.code} {year}"),
        status=status,
    )
    for order, cadre in enumerate(cadres):
        MeetingCadre.objects.create(meeting=meeting, cadre=cadre, order=order)
    return meeting


def make_report(meeting, cadre, *, status=WorkReport.Status.DRAFT, **sections) -> WorkReport:
    """A report straight in the database, in any status (the services are tested on their own)."""
    texts = {"duties": "I lead the committee.", **sections}
    published_at = timezone.now() if status == WorkReport.Status.PUBLISHED else None
    return WorkReport.objects.create(
        meeting=meeting, cadre=cadre, status=status, published_at=published_at, **texts
    )


def residents(village, count: int, **fields) -> list[Resident]:
    """`count` residents of one new household of the village."""
    household = HouseholdFactory(village=village)
    return [ResidentFactory(household=household, **fields) for _ in range(count)]


def make_resident(village, name: str, **fields) -> Resident:
    return ResidentFactory(household=HouseholdFactory(village=village), name=name, **fields)


# --- the village's meeting with its cadres: questions, commitments, work reports -----------------

# The accounts of a MeetingWorld (or its county) that moderate its village's questions and commitments,
# and those that do not.
MODERATORS = ["moderator", "township_admin", "superuser"]
NOT_MODERATORS = ["operator", "cadre", "other_cadre_user", "nobody", "neighbour_moderator", "elsewhere_admin"]


@dataclass
class MeetingWorld:
    """An announced meeting in each of the county's villages, and their cadres.

    `own_cadre` is the cadre record of the county's cadre account; `other_cadre` reports at the same
    meeting with an account of their own (`other_cadre_user`). Beside the county's accounts (moderator,
    township administrator and operator of the village) there are a moderator of the neighbour village
    and a township administrator of the other township, who must see nothing of this village's pages.
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


def meeting_world(county, *, own_name: str, other_name: str) -> MeetingWorld:
    """The world of `qa` and `rw`; they differ only in the names of the village's two cadres."""
    grant = {"by": county.superuser}
    accounts = {
        "other_cadre_user": UserFactory(username="cadre2"),
        "neighbour_moderator": UserFactory(username="moderator-neighbour"),
        "elsewhere_admin": UserFactory(username="admin-elsewhere"),
    }
    role_grant(user=accounts["other_cadre_user"], role=Role.CADRE, village=county.village, **grant)
    role_grant(
        user=accounts["neighbour_moderator"], role=Role.VILLAGE_MODERATOR, village=county.neighbour, **grant
    )
    role_grant(
        user=accounts["elsewhere_admin"],
        role=Role.TOWNSHIP_ADMIN,
        township=county.elsewhere.township,
        **grant,
    )
    cadres = {
        "own_cadre": CadreFactory(village=county.village, name=own_name, user=county.cadre),
        "other_cadre": CadreFactory(
            village=county.village, name=other_name, user=accounts["other_cadre_user"]
        ),
        "neighbour_cadre": CadreFactory(village=county.neighbour, name="Neighbour Cadre"),
        "elsewhere_cadre": CadreFactory(village=county.elsewhere, name="Elsewhere Cadre"),
    }
    return MeetingWorld(
        county=county,
        meeting=make_meeting(county.village, [cadres["own_cadre"], cadres["other_cadre"]]),
        neighbour_meeting=make_meeting(county.neighbour, [cadres["neighbour_cadre"]]),
        elsewhere_meeting=make_meeting(county.elsewhere, [cadres["elsewhere_cadre"]]),
        **cadres,
        **accounts,
    )


# --- the operator's desk: announced meetings and the rolls codes are handed out from --------------

OPERATOR_ROLES = ("township_admin", "operator", "moderator", "cadre", "nobody")
# Who may hand out codes and arm terminals in each place (portal.permissions: OPERATE_MEETING).
OPERATES = {"township_admin": {"village", "neighbour"}, "operator": {"village"}}


def operates(role: str, place: str) -> bool:
    return place in OPERATES.get(role, set())


def stored_code(meeting: Meeting, code: str) -> BallotCode | None:
    """The row a code handed out for the meeting is stored as (by its hash only)."""
    return BallotCode.objects.filter(
        code_hash=ballot_codes.code_hash(services._key(), meeting.pk, code)
    ).first()


@dataclass
class OperatorWorld:
    """An announced meeting in each of the county's villages, before any code is handed out."""

    county: object
    meeting: Meeting  # county.village
    neighbour_meeting: Meeting
    elsewhere_meeting: Meeting
    aygul: Resident
    mamat: Resident
    left: Resident  # no longer on the roll
    stranger: Resident  # on the neighbour village's roll

    def meeting_in(self, place: str) -> Meeting:
        return {
            "village": self.meeting,
            "neighbour": self.neighbour_meeting,
            "elsewhere": self.elsewhere_meeting,
        }[place]


def build_operator_world(county) -> OperatorWorld:
    # Villagers who do not come, so that the roll has room for the pre-printed batches the tests print.
    for village in (county.village, county.neighbour):
        residents(village, 20)
    return OperatorWorld(
        county=county,
        meeting=make_meeting(county.village),
        neighbour_meeting=make_meeting(county.neighbour),
        elsewhere_meeting=make_meeting(county.elsewhere),
        aygul=make_resident(county.village, "Aygul Tursun", id_last4="123X"),
        mamat=make_resident(county.village, "Mamat Tursun", representative=True),
        left=make_resident(county.village, "Left Tursun", active=False),
        stranger=make_resident(county.neighbour, "Nur Tursun"),
    )


# --- an open vote, built through the services ------------------------------------------------------


@dataclass
class BallotWorld:
    """A meeting with voting open and two armed terminals: the world the ballot tests vote in."""

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
    walk_in_household: Household | None = None  # of those who sign in to cast a pre-printed code

    def walk_in(self) -> Resident | None:
        """A villager of the roll signs in to vote with a pre-printed code (while voting is open)."""
        if not Meeting.objects.filter(pk=self.meeting.pk, status=Status.VOTING_OPEN).exists():
            return None
        if self.walk_in_household is None:
            self.walk_in_household = HouseholdFactory(
                village=self.meeting.village, number=f"W{self.meeting.year}-{self.meeting.pk}"
            )
        resident = ResidentFactory(household=self.walk_in_household)
        meeting_services.attendance_record(meeting=self.meeting, resident=resident, by=self.operator)
        return resident

    def lines(self) -> list[tuple[int, int | None]]:
        """Every (cadre, criterion) a full ballot grades; criterion None in quick mode."""
        criteria = [None] if self.scheme.quick_mode else [criterion.pk for criterion in self.criteria]
        return [(cadre.pk, criterion) for cadre in self.cadres for criterion in criteria]

    def full_grades(self, grade: str = "satisfied") -> dict[tuple[int, int | None], int]:
        return dict.fromkeys(self.lines(), self.grades[grade].pk)

    def cast(self, code: str, *, grade: str = "satisfied", households=(), terminal=None):
        """Cast a full ballot with `code`. A pre-printed code is first handed to someone who signs in, as at
        the meeting: never more villagers' ballots than people present, or the vote would not close."""
        if code in self.codes:
            self.walk_in()
        return services.ballot_cast(
            terminal=terminal or self.terminal,
            code=code,
            grades=self.full_grades(grade),
            households=[household.pk for household in households],
        )


def print_panel_codes(meeting: Meeting, count: int, by) -> list[str]:
    """Codes for `count` more township-panel members, seated as the meeting setup would have (the seats
    freeze when voting opens, so they are set here directly)."""
    Meeting.objects.filter(pk=meeting.pk).update(panel_seats=meeting.panel_seats + count)
    meeting.refresh_from_db(fields=["panel_seats"])
    return services.codes_issue_batch(meeting=meeting, count=count, by=by, purpose=CodeBatch.Purpose.PANEL)


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
    phones_allowed: bool = False,
    spoken_ballot: bool = False,
    agenda: Callable[[Meeting, list[Household]], object] | None = None,
) -> BallotWorld:
    """The county's village (or `village`) holds its meeting; voting is open, two terminals are armed
        (and villagers' phones too, with `phones_allowed`).

        The county needs `village`, `neighbour`, `township_admin` and `operator`, as tests/conftest.py's has;
        for a village where they hold no role, pass the accounts that set it up (`admin`, `operator`).
    `agenda(meeting, households)` puts households' evaluations on the meeting's agenda once it is announced,
        before voting opens.
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
        phones_allowed=phones_allowed,
        spoken_ballot=spoken_ballot,
        by=admin or county.township_admin,
    )
    homes = [HouseholdFactory(village=village, number=f"B{year}-{index}") for index in range(households)]
    voters = [ResidentFactory(household=homes[index % len(homes)]) for index in range(residents)]
    # Villagers on the roll for the pre-printed codes: a batch may not outnumber the roll.
    for index in range(codes):
        ResidentFactory(household=homes[index % len(homes)])
    meeting_services.meeting_announce(meeting=meeting, by=operator)
    if agenda is not None:
        agenda(meeting, homes)
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


# --- the kiosk: the open vote, with what the kiosk shows besides -----------------------------------

# Names a villager would search for, one household each (the first of the world's households).
RESIDENT_NAMES = ("Aygul Tursun", "Mamat Ali", "Rozi Niyaz", "Patigul Ehmet")
REPORT_OPENING = "**Led** the branch: [roads](https://example.org) and _water_ for 320 households."


@dataclass
class KioskWorld:
    """Cadres hold posts and one has a published report (its opening is the summary under the name);
    the village's households have residents with names to search for."""

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


# --- a closed vote and its results ----------------------------------------------------------------

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
    agenda: Callable[[Meeting, list[Household]], object] | None = None,
    evaluations: Sequence[Sequence[str]] | None = None,
) -> BallotWorld:
    """Every resident the open vote creates receives a code (which signs them in) and casts one ballot
    through the kiosk's own service, then voting closes (which shakes the box).

    One ballot per vote; `nominations[i]` lists indexes into world.households; `evaluations[i]` are the
    answers of ballot i on the households' evaluations `agenda` puts on the meeting's agenda, in its order.
    """
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
        agenda=agenda,
    )
    criteria = {criterion.pk: criterion.code for criterion in world.criteria}
    index_of = {cadre.pk: index for index, cadre in enumerate(world.cadres)}
    proposals = list(
        HouseholdProposal.objects.on_agenda_of(world.meeting).order_by("pk").values_list("pk", flat=True)
    )
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
            evaluations=dict(zip(proposals, evaluations[number], strict=True)) if evaluations else None,
        )
    world.meeting = meeting_services.voting_close(meeting=world.meeting, by=world.operator)
    return world


def _signers_pool(meeting: Meeting) -> list[Resident]:
    """Villagers who may sign the certificate: those present first (scrutineers are chosen among them at
    the venue), then a household of signers of its own when fewer than three came. Creating residents
    would grow the roll of the village's later meetings, so the people present are preferred."""
    barred = Resident.objects.near_cadres(Cadre.objects.filter(reporting__meeting=meeting))
    present = Resident.objects.filter(
        pk__in=Attendance.objects.filter(meeting=meeting).values("resident")
    ).exclude(pk__in=barred.values("pk"))
    pool = list(present.order_by("pk")[:3])
    if len(pool) < 3:
        pool += residents(meeting.village, 3 - len(pool))
    return pool


def certify(meeting: Meeting, *, by=None) -> None:
    """The closure certificate of the meeting's draft signed on paper by the committee's chair and two
    scrutineers, recorded by `by` (who must appoint the committee and operate the meeting: a township
    administrator of the village by default, else a superuser). Appoints a chair and names scrutineers
    only where there are none.

    What every test that publishes results does after computing them (ratings.closure); the rule itself
    is tested in tests/ratings/closure.
    """
    draft = ResultSnapshot.objects.of_meeting(meeting).drafts().first()
    by = by or (
        get_user_model()
        .objects.filter(
            role_assignments__role=Role.TOWNSHIP_ADMIN, role_assignments__township=meeting.village.township_id
        )
        .order_by("pk")
        .first()
        or get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    )
    if draft is None:
        return  # nothing to certify: the caller's publish is refused for that (tests of the refusal)
    pool = _signers_pool(meeting)
    chair = certificates.chair_of(meeting)
    if chair is None:
        taken = set(Scrutineer.objects.filter(meeting=meeting).values_list("resident_id", flat=True))
        resident = next(person for person in pool if person.pk not in taken)
        chair = supervision_member_add(village=meeting.village, resident=resident, chair=True, by=by)
    named = Scrutineer.objects.filter(meeting=meeting).count()
    for resident in pool if closure_services.naming_open(meeting) else []:
        if named >= certificates.SCRUTINEERS_NEEDED:
            break
        if (
            resident.pk != chair.resident_id
            and not Scrutineer.objects.filter(meeting=meeting, resident=resident).exists()
        ):
            closure_services.scrutineer_name(meeting=meeting, resident=resident, by=by)
            named += 1
    certificate = certificates.certificate_of(meeting, draft)
    for line in certificate.signers:
        if line.confirmation is None:
            closure_services.certificate_record_paper(snapshot=draft, signer=line.person, by=by)


def compute_and_publish(meeting: Meeting, *, by, days: int | None = None) -> ResultSnapshot:
    """Compute the results, have the certificate signed (`certify`) and publish them."""
    draft = results_services.results_compute(meeting=meeting, by=by)
    certify(meeting, by=by)
    return results_services.results_publish(snapshot=draft, by=by, days=days)


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
    snapshot = compute_and_publish(world.meeting, by=admin)
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
    return compute_and_publish(meeting, by=admin)


# --- households' evaluations on the ballot --------------------------------------------------------

# The head of each of the world's households, as a proposal names them.
HEADS = ("Ahmat Tursun", "Rozi Mamat", "Tursun Niyaz", "Aygul Ehmet", "Mamat Hasan", "Patigul Ali")
HOUSEHOLD_FACTS = {
    "members": 4,
    "reason": "Greenhouse vegetables since 2024; both sons work in the county town.",
    "income_year": 2025,
    "income_per_head": "9800.00",
    "income_line": "4800.00",
    "food": True,
    "clothing": True,
    "education": True,
    "medical": True,
    "housing": True,
    "drinking_water": True,
}


def agenda_of(
    county, *decisions: tuple[int, str, dict], by=None
) -> Callable[[Meeting, list[Household]], list]:
    """An `agenda` for build_world: each (household index, kind, fields) proposed by the village's
    operator, approved by its moderator and placed on the meeting's agenda, in that order (all by `by`
    for a village where they hold no role)."""
    proposer, moderator = (by, by) if by else (county.operator, county.moderator)

    def place(meeting: Meeting, homes: list[Household]) -> list:
        placed = []
        for index, kind, fields in decisions:
            facts = HOUSEHOLD_FACTS | {"head_name": HEADS[index]} | fields
            proposal = evaluation_services.proposal_create(
                village=meeting.village, household=homes[index], kind=kind, by=proposer, **facts
            )
            evaluation_services.proposal_submit(proposal=proposal, by=proposer)
            evaluation_services.proposal_approve(proposal=proposal, by=moderator)
            placed.append(
                evaluation_services.proposal_place_on_agenda(proposal=proposal, meeting=meeting, by=moderator)
            )
        return placed

    return place
