"""The demo's vote and results: last year's ballots, honor roll, public notice and final results.

Written through the services the kiosk and the staff pages use, by the accounts that would do it: the
clerk signs two thirds of the roll in and hands each a code (ratings.ballot.services.code_issue), arms two
terminals, and the villagers cast their ballots (ballot_cast) with grades drawn from each cadre's
standing in the village; voting closes; the committees put two households forward, the moderator
reviews the honor roll; the township administrator computes the results, two scrutineers and the
supervision committee's chair sign the closure certificate on paper (the clerk records it), and the
township administrator publishes them; the daily
`close_notices` makes them final once the notice period is over. In the tour's village a household
put under monitoring last year (voted, posted, checked, decided by the county's officer) is proposed
this year for leaving it. meetings/demo.py calls these steps in the order of the meeting.

The draws come from generators seeded with the village's code: every run casts the same ballots (the
codes and receipts are random, as they must be; the grades and nominations are not).
"""

# Seeded pseudo-random numbers make the demo reproducible; nothing here is secret.
# ruff: noqa: S311

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from meetings.models import Attendance, Meeting
from meetings.quorum import quorum_of
from meetings.services import attendance_record_many
from portal.models import Cadre, CadrePost, Household, Resident, Role, SupervisionMember, Village
from portal.services.supervision import supervision_member_add
from portal.workdays import add_working_days
from ratings.ballot import services
from ratings.closure import certificate as certificates
from ratings.closure import services as closure_services
from ratings.evaluations import services as evaluation_services
from ratings.models import (
    BallotNomination,
    CodeBatch,
    HonorCandidate,
    HouseholdProposal,
    HouseholdStatusChange,
    ResultSnapshot,
    Scrutineer,
)
from ratings.results import services as results_services

Post = CadrePost.Post

# Two thirds of the roll come and sign in; a few of them leave before casting their ballot.
SIGNED_IN = (2, 3)
LEAVE_EARLY = 0.03

# How the villagers grade a cadre: weights of satisfied, basically satisfied, dissatisfied, don't know.
STANDINGS = {
    "respected": (80, 13, 2, 5),
    "liked": (72, 18, 4, 6),
    # Members of the stationed working team arrived lately: many villagers do not know them yet.
    "newcomer": (64, 17, 3, 16),
    # Villagers complained about the irrigation and the cooperative's accounts all year.
    "criticized": (44, 31, 17, 8),
}
GRADE_CODES = ("satisfied", "basically_satisfied", "dissatisfied", "dont_know")
# (village code, cadre name): the one cadre of the demo whose verdict is "competent", not "excellent".
CRITICIZED = {("653121100202", "阿不都热依木·亚森")}
# Most villagers give a cadre the same grade on every criterion; the others weigh each one.
STRAIGHT_LINE = 0.75

# Households nominated per ballot (0 to 3) and how the nominations gather on a few households.
NOMINATIONS_PER_BALLOT, NOMINATIONS_WEIGHTS = (0, 1, 2, 3), (30, 30, 25, 15)
FAVOURITES_WEIGHTS = (30, 24, 18, 12, 9, 7)
ANY_OTHER_HOUSEHOLD = 0.10

COMMITTEE_REASONS = (
    "夫妻二人发展大棚蔬菜和庭院养殖，家庭年收入由两万元增加到六万余元，并带动邻居五户种植大棚。",
    "丈夫常年在外务工，妻子在家照顾老人，坚持养殖和林果管理，两年还清了看病借款，被评为“最美庭院”。",
)
# The five most nominated households, and those the committees put forward, are accepted: the first
# three get the plaque, the others a certificate.
HONOR_ROLL_SIZE = 5
PLAQUES = 3
PLAQUE = ("勤劳致富光荣户（光荣牌）", Decimal("1000"))
CERTIFICATE = ("勤劳致富户（荣誉证书）", Decimal("500"))
DECLINE_NOTE = "得票较少，本年度未列入勤劳致富光荣榜，鼓励继续努力。"
# What the demo's backdated steps show as their time of day.
NOON = datetime.time(12)
# The village affairs supervision committee: three villagers of the roll, the first drawn its chair.
COMMITTEE_SIZE = 3


@dataclass(frozen=True)
class Staff:
    """Who does what at the village's meeting: the clerk, the moderator, the township administrator."""

    operator: object
    moderator: object
    admin: object


def staff_for(village: Village, fallback) -> Staff:
    """The demo accounts holding each role for the village; the township administrator (or, failing
    that, `fallback`, the superuser) stands in where the village has none."""
    users = get_user_model().objects.order_by("pk")
    admin = (
        users.filter(
            role_assignments__role=Role.TOWNSHIP_ADMIN, role_assignments__township=village.township_id
        ).first()
        or fallback
    )
    operator = users.filter(
        role_assignments__role=Role.MEETING_OPERATOR, role_assignments__village=village
    ).first()
    moderator = users.filter(
        role_assignments__role=Role.VILLAGE_MODERATOR, role_assignments__village=village
    ).first()
    return Staff(operator=operator or admin, moderator=moderator or admin, admin=admin)


def _rng(meeting: Meeting, purpose: str) -> random.Random:
    return random.Random(f"{purpose}:{meeting.village.code}:{meeting.year}")


def sign_in(meeting: Meeting, *, by) -> list[str]:
    """Two thirds of the roll come; each is signed in and handed a ballot code. Returns the codes."""
    roll = list(Resident.objects.in_village(meeting.village).on_roll().order_by("pk"))
    present = _rng(meeting, "attendance").sample(roll, k=len(roll) * SIGNED_IN[0] // SIGNED_IN[1])
    return [services.code_issue(meeting=meeting, resident=resident, by=by) for resident in present]


def sign_in_representatives_but_one(meeting: Meeting, *, by) -> list[Resident]:
    """Representatives who came early are signed in (no code yet: codes are handed out at the desk),
    all but one of those the quorum needs, so that the tour's clerk meets it with one more sign-in."""
    representatives = list(
        Resident.objects.in_village(meeting.village).on_roll().representatives().order_by("pk")
    )
    needed = quorum_of(meeting).required
    early = _rng(meeting, "attendance").sample(representatives, k=needed - 1)
    return attendance_record_many(meeting=meeting, residents=early, by=by)


def _standing(cadre: Cadre) -> str:
    if (cadre.village.code, cadre.name) in CRITICIZED:
        return "criticized"
    posts = {post.post for post in cadre.posts.all()}
    if posts & {Post.PARTY_SECRETARY, Post.FIRST_SECRETARY}:
        return "respected"
    if Post.TEAM_MEMBER in posts:
        return "newcomer"
    return "liked"


def cast_ballots(meeting: Meeting, codes: list[str], *, by) -> int:
    """The villagers vote on two terminals, one after another. Voting must be open; returns the ballots."""
    rng = _rng(meeting, "ballots")
    scheme = meeting.scheme
    grades = {grade.code: grade.pk for grade in scheme.grades.all()}
    criteria = [None] if scheme.quick_mode else [criterion.pk for criterion in scheme.criteria.all()]
    cadres = list(
        Cadre.objects.filter(pk__in=meeting.reporting.values("cadre"))
        .select_related("village")
        .prefetch_related("posts")
        .order_by("pk")
    )
    weights = {cadre.pk: STANDINGS[_standing(cadre)] for cadre in cadres}
    households = list(
        Household.objects.filter(village=meeting.village).order_by("pk").values_list("pk", flat=True)
    )
    favourites = rng.sample(households, k=len(FAVOURITES_WEIGHTS))
    terminals = [
        services.terminal_arm(meeting=meeting, label=f"{number}号终端", by=by)[0] for number in (1, 2)
    ]

    def grade(cadre: Cadre) -> int:
        return grades[rng.choices(GRADE_CODES, weights[cadre.pk])[0]]

    def nominations() -> list[int]:
        chosen: list[int] = []
        wanted = rng.choices(NOMINATIONS_PER_BALLOT, NOMINATIONS_WEIGHTS)[0]
        while len(chosen) < wanted:
            if rng.random() < ANY_OTHER_HOUSEHOLD:
                household = rng.choice(households)
            else:
                household = rng.choices(favourites, FAVOURITES_WEIGHTS)[0]
            if household not in chosen:
                chosen.append(household)
        return chosen

    # The households' evaluations on the agenda, answered with a draw of their own: the grades drawn
    # stay those of a meeting without them.
    answering = _rng(meeting, "evaluations")
    proposals = list(
        HouseholdProposal.objects.on_agenda_of(meeting).order_by("pk").values_list("pk", flat=True)
    )
    shares = [float(AGREE_SHARE), float(DISAGREE_SHARE), float(1 - AGREE_SHARE - DISAGREE_SHARE)]

    def answers() -> dict[int, str]:
        return {pk: answering.choices(("agree", "disagree", "abstain"), shares)[0] for pk in proposals}

    cast = 0
    for number, code in enumerate(codes):
        if rng.random() < LEAVE_EARLY:
            continue
        ballot = {}
        for cadre in cadres:
            line = grade(cadre)
            for criterion in criteria:
                ballot[(cadre.pk, criterion)] = line if rng.random() < STRAIGHT_LINE else grade(cadre)
        services.ballot_cast(
            terminal=terminals[number % 2],
            code=code,
            grades=ballot,
            households=nominations(),
            evaluations=answers(),
        )
        cast += 1
    # The township panel (township leaders and staff at the meeting) votes on printed panel codes,
    # with the panel's weight in the scheme; it does not nominate households.
    for number, code in enumerate(
        services.codes_issue_batch(
            meeting=meeting, count=meeting.panel_seats, by=by, purpose=CodeBatch.Purpose.PANEL
        )
    ):
        ballot = {(cadre.pk, criterion): grade(cadre) for cadre in cadres for criterion in criteria}
        services.ballot_cast(
            terminal=terminals[number % 2], code=code, grades=ballot, households=[], evaluations=answers()
        )
        cast += 1
    for terminal in terminals:
        services.terminal_disarm(terminal=terminal, by=by)
    return cast


def publish_results(meeting: Meeting, staff: Staff) -> ResultSnapshot:
    """Voting has closed: the honor roll, the results, the public notice, and the results made final."""
    _honor_roll(meeting, staff)
    snapshot = results_services.results_compute(meeting=meeting, by=staff.admin)
    sign_certificate(meeting, staff, snapshot)
    snapshot = results_services.results_publish(snapshot=snapshot, by=staff.admin)
    # Last year's notice period ended long ago; the daily `close_notices` (no account) made them final.
    snapshot = results_services.results_finalize(
        snapshot=snapshot, today=snapshot.notice_ends + datetime.timedelta(days=1)
    )
    return _dated_as_last_year(snapshot)


def _dated_as_last_year(snapshot: ResultSnapshot) -> ResultSnapshot:
    """Give the replayed snapshot the dates it had last year: published the day after the meeting.

    The services stamp today's date, which would show last December's results as published this week.
    Only these three dates move; what the snapshot says and the audit log (which keeps the real times)
    do not.
    """
    published = snapshot.meeting.held_at + datetime.timedelta(days=1)
    days = (snapshot.notice_ends - snapshot.published_at.date()).days
    ResultSnapshot.objects.filter(pk=snapshot.pk).update(
        published_at=published,
        notice_ends=timezone.localdate(published) + datetime.timedelta(days=days),
        finalized_at=published + datetime.timedelta(days=days + 1),
    )
    snapshot.refresh_from_db()
    return snapshot


def _honor_roll(meeting: Meeting, staff: Staff) -> None:
    """The committees put two households forward; the moderator accepts the most nominated and those,
    each with an award, and declines the others."""
    rng = _rng(meeting, "honor")
    households = Household.objects.filter(village=meeting.village).order_by("pk")
    voted = dict(
        BallotNomination.objects.filter(ballot__meeting=meeting)
        .values_list("household_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    # One the villagers nominated often, and one they hardly know that the committees do.
    popular = max(voted, key=lambda household: (voted[household], -household))
    quiet = rng.choice([household.pk for household in households if household.pk not in voted])
    for household_id, reason in zip((popular, quiet), COMMITTEE_REASONS, strict=True):
        results_services.honor_nominate(
            meeting=meeting, household=households.get(pk=household_id), reason=reason, by=staff.moderator
        )
    results_services.honor_candidates_collect(meeting=meeting, by=staff.moderator)
    candidates = list(HonorCandidate.objects.of_meeting(meeting).for_review())
    for place, candidate in enumerate(candidates):
        if place < HONOR_ROLL_SIZE or candidate.committee_reason:
            award, amount = PLAQUE if place < PLAQUES else CERTIFICATE
            results_services.honor_candidate_review(
                candidate=candidate, accept=True, award=award, award_amount=amount, by=staff.moderator
            )
        else:
            results_services.honor_candidate_review(
                candidate=candidate, accept=False, note=DECLINE_NOTE, by=staff.moderator
            )


def appoint_committee(village: Village, staff: Staff) -> SupervisionMember:
    """The village's supervision committee, appointed by the township administrator; its chair.

    Three villagers of the roll, none a serving cadre nor of a cadre's household; a village that has a
    chair keeps its committee.
    """
    chair = SupervisionMember.objects.filter(village=village, is_chair=True).first()
    if chair is not None:
        return chair
    serving = Cadre.objects.in_village(village).serving_in(timezone.localdate().year)
    barred = Resident.objects.near_cadres(serving).values("pk")
    roll = Resident.objects.in_village(village).on_roll().exclude(pk__in=barred).order_by("pk")
    chosen = random.Random(f"committee:{village.code}").sample(list(roll), COMMITTEE_SIZE)
    members = [
        supervision_member_add(village=village, resident=resident, chair=index == 0, by=staff.admin)
        for index, resident in enumerate(chosen)
    ]
    return members[0]


def name_scrutineers(meeting: Meeting, staff: Staff) -> list[Scrutineer]:
    """The clerk names two scrutineers: among those present once people have signed in, else from the
    roll; neither a cadre under review nor of their household, nor the committee's chair."""
    named = list(Scrutineer.objects.filter(meeting=meeting))
    if len(named) >= certificates.SCRUTINEERS_NEEDED:
        return named
    chair = appoint_committee(meeting.village, staff)
    barred = Resident.objects.near_cadres(Cadre.objects.filter(reporting__meeting=meeting)).values("pk")
    pool = Resident.objects.in_village(meeting.village).on_roll().exclude(pk__in=barred)
    pool = pool.exclude(pk=chair.resident_id).exclude(pk__in=[scrutineer.resident_id for scrutineer in named])
    present = Attendance.objects.filter(meeting=meeting)
    if present.exists():
        pool = pool.filter(pk__in=present.values("resident"))
    wanted = certificates.SCRUTINEERS_NEEDED - len(named)
    chosen = _rng(meeting, "scrutineers").sample(list(pool.order_by("pk")), wanted)
    return named + [
        closure_services.scrutineer_name(meeting=meeting, resident=resident, by=staff.operator)
        for resident in chosen
    ]


def sign_certificate(meeting: Meeting, staff: Staff, snapshot: ResultSnapshot) -> None:
    """The chair and the scrutineers sign the printed closure certificate; the clerk records each."""
    name_scrutineers(meeting, staff)
    for line in certificates.certificate_of(meeting, snapshot).signers:
        if line.confirmation is None:
            closure_services.certificate_record_paper(
                snapshot=snapshot, signer=line.person, by=staff.operator
            )


# --- households' evaluations ---------------------------------------------------------------------------

# Last year the village put one household under monitoring after a sudden hardship; this year, its
# income restored, the household is proposed for leaving it, on this year's agenda.
HARDSHIP_REASON = (
    "户主2025年9月突发脑梗住院，医疗支出四万余元，家中主要劳动力丧失，人均收入跌至监测线附近，"
    "经入户核实，申请纳入突发严重困难户监测。"
)
RECOVERED_REASON = (
    "纳入监测后落实医疗救助和公益性岗位，妻子在村合作社务工，长子外出务工，2026年人均纯收入"
    "九千八百元，风险已消除，申请解除监测。"
)
HARDSHIP_INCOME, RECOVERED_INCOME = Decimal("6900"), Decimal("9800")
# The anti-return monitoring line of Xinjiang, yuan per head and year.
MONITORING_LINE = {2025: Decimal("7500"), 2026: Decimal("7800")}
# The share of ballots that agree with a household's evaluation, and that disagree; the rest abstain.
AGREE_SHARE, DISAGREE_SHARE = Decimal("0.86"), Decimal("0.04")


def county_officer_for(village: Village, fallback):
    """The demo's county officer over the village's township, else `fallback` (the superuser)."""
    users = get_user_model().objects.order_by("pk")
    officer = users.filter(
        role_assignments__role=Role.COUNTY_OFFICER, role_assignments__township=village.township_id
    ).first()
    return officer or fallback


def _evaluated_household(village: Village) -> Household:
    """A household of four or more on the roll, the same on every run."""
    households = Household.objects.filter(village=village).annotate(size=Count("residents")).order_by("pk")
    return households.filter(size__gte=4).first() or households.first()


def _head_of(household: Household) -> Resident:
    return Resident.objects.filter(household=household).order_by("pk").first()


def household_on_agenda(meeting: Meeting, staff: Staff, *, kind: str, reason: str, income, **fields):
    """The clerk proposes the household, the moderator approves it and puts it on the meeting's agenda."""
    household = _evaluated_household(meeting.village)
    proposal = evaluation_services.proposal_create(
        village=meeting.village,
        household=household,
        kind=kind,
        head_name=_head_of(household).name,
        members=household.residents.count(),
        reason=reason,
        income_year=meeting.year,
        income_per_head=income,
        income_line=MONITORING_LINE[meeting.year],
        food=True,
        clothing=True,
        education=True,
        medical=True,
        housing=True,
        drinking_water=True,
        by=staff.operator,
        **fields,
    )
    evaluation_services.proposal_submit(proposal=proposal, by=staff.operator)
    evaluation_services.proposal_approve(proposal=proposal, by=staff.moderator)
    return evaluation_services.proposal_place_on_agenda(
        proposal=proposal, meeting=meeting, by=staff.moderator
    )


def household_entry_last_year(meeting: Meeting, staff: Staff) -> HouseholdProposal:
    """Before last year's vote: the household proposed for monitoring, on the agenda."""
    return household_on_agenda(
        meeting,
        staff,
        kind=HouseholdProposal.Kind.MONITORING_ENTRY,
        category=HouseholdProposal.Category.HARDSHIP,
        reason=HARDSHIP_REASON,
        income=HARDSHIP_INCOME,
    )


def household_decided_last_year(proposal: HouseholdProposal, staff: Staff, county) -> HouseholdProposal:
    """After last year's vote: counted from its ballots when the results were published (their notice
    started then), checked by the township, approved by the county and confirmed by the household, on
    last year's dates (the audit log keeps the real times)."""
    meeting = proposal.meeting
    held_on = timezone.localdate(meeting.held_at)
    proposal.refresh_from_db()
    # The publication stamped today's date; the results say they were published the day after the
    # meeting (_dated_as_last_year), and the household's notice started with them.
    notice_starts = held_on + datetime.timedelta(days=1)
    notice_ends = notice_starts + datetime.timedelta(days=proposal.notice_days - 1)
    HouseholdProposal.objects.filter(pk=proposal.pk).update(
        notice_starts=notice_starts,
        notice_ends=notice_ends,
        decision_due=add_working_days(notice_ends, settings.HOUSEHOLD_DECISION_WORKING_DAYS),
    )
    proposal.refresh_from_db()
    checked_on = proposal.notice_ends + datetime.timedelta(days=1)
    proposal = evaluation_services.township_check(
        proposal=proposal, approve=True, reason="经乡镇核查，情况属实。", by=staff.admin, today=checked_on
    )
    decided_on = checked_on + datetime.timedelta(days=7)
    proposal = evaluation_services.county_decide(
        proposal=proposal, approve=True, reason="同意纳入监测。", by=county, today=decided_on
    )
    proposal = evaluation_services.household_confirm(
        proposal=proposal, by_helper=False, thumbprint=True, by=staff.operator
    )
    HouseholdProposal.objects.filter(pk=proposal.pk).update(
        confirmed_at=timezone.make_aware(
            datetime.datetime.combine(decided_on + datetime.timedelta(days=2), NOON)
        )
    )
    dates = {
        HouseholdProposal.Status.DRAFT: held_on - datetime.timedelta(days=20),
        HouseholdProposal.Status.SUBMITTED: held_on - datetime.timedelta(days=19),
        HouseholdProposal.Status.APPROVED: held_on - datetime.timedelta(days=15),
        HouseholdProposal.Status.UNDER_NOTICE: notice_starts,
        HouseholdProposal.Status.TOWNSHIP_CHECKED: checked_on,
        HouseholdProposal.Status.COUNTY_APPROVED: decided_on,
    }
    for change in HouseholdStatusChange.objects.filter(proposal=proposal):
        change.at = timezone.make_aware(datetime.datetime.combine(dates[change.status], NOON))
        change.save(update_fields=["at"])
    proposal.refresh_from_db()
    return proposal


def household_exit_this_year(meeting: Meeting, staff: Staff) -> HouseholdProposal:
    """On this year's agenda: the same household proposed for leaving monitoring."""
    return household_on_agenda(
        meeting,
        staff,
        kind=HouseholdProposal.Kind.MONITORING_EXIT,
        reason=RECOVERED_REASON,
        income=RECOVERED_INCOME,
    )
