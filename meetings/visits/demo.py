"""The demo's visit log: a year of cadres' visits to paired households in the first village.

Every cadre of the village is paired with a few households a year ago; they visit them about as often
as the township requires (two a month), some less; problems are raised and most are solved weeks
later, a few stay open for long; the policies explained come from the township's list. Written in
bulk, not through the services: the demo's year is history, not a year of audited actions.
One household is flagged at risk from a visit six weeks ago, with two measures, one of them done.
Idempotent: a village that already has visits (or a risk) is left alone.
"""

# Seeded pseudo-random numbers make the demo reproducible; nothing here is secret.
# ruff: noqa: S311

import datetime
import random

from django.utils import timezone

from meetings.models import (
    HouseholdProblem,
    Measure,
    MeasureKind,
    Pairing,
    Policy,
    RiskFlag,
    Visit,
    VisitRequirement,
)
from meetings.visits.services import measure_kinds_start
from portal.models import Cadre, Household, Village

POLICIES = (
    "最低生活保障",
    "医疗保险参保补贴",
    "教育资助（雨露计划）",
    "公益性岗位",
    "产业奖补",
    "小额信贷",
    "住房安全保障",
    "残疾人两项补贴",
)
WHO = ("户主", "户主妻子", "户主母亲", "户主父亲", "户主儿子", "全家人")
SITUATIONS = (
    "家中收入主要靠外出务工，近期务工稳定。",
    "棉花已采收，待出售，家中粮食充足。",
    "老人身体较弱，按时服药，需要定期关注。",
    "孩子在县城上学，学费已落实资助。",
    "庭院种植蔬菜，养羊五只，生活基本稳定。",
)
PROBLEMS = (
    ("院墙倒塌，需要修缮", "协调住房安全保障资金修好院墙"),
    ("灌溉渠堵塞", "组织村民清淤，已通水"),
    ("孩子助学金未到账", "联系乡教育办，助学金已发放"),
    ("老人慢性病药费负担重", "办理慢性病门诊卡，报销比例提高"),
    ("想找附近的工作", "推荐到村扶贫车间上班"),
    ("羊圈需要加固", "申请产业奖补，已加固"),
    ("自来水管冻裂", "村水管员上门更换水管"),
)
HOUSEHOLDS_PER_CADRE = 4
# Most cadres visit each household twice a month; these (by position in the village's list) less often,
# so that the township's table has cadres below the requirement.
SLOW_CADRES = {2: 0.6, 5: 0.4}


def seed_visits(*, village: Village, report) -> None:
    measure_kinds_start(village.township)
    _visits(village, report)
    _risk(village, report)


def _visits(village: Village, report) -> None:
    if Visit.objects.filter(household__village=village).exists():
        return
    rng = random.Random(f"visits:{village.code}")
    township = village.township
    VisitRequirement.objects.get_or_create(township=township, defaults={"visits_per_month": 2})
    policies = [Policy.objects.get_or_create(township=township, name=name)[0] for name in POLICIES]
    cadres = list(Cadre.objects.in_village(village).order_by("pk"))
    households = list(Household.objects.filter(village=village).order_by("number"))
    if not cadres or not households:
        return
    today = timezone.localdate()
    start = today - datetime.timedelta(days=365)
    pairings = []
    for index, cadre in enumerate(cadres):
        for offset in range(HOUSEHOLDS_PER_CADRE):
            household = households[(index * HOUSEHOLDS_PER_CADRE + offset) % len(households)]
            pairings.append(Pairing(cadre=cadre, household=household, start=start))
    Pairing.objects.bulk_create(pairings, ignore_conflicts=True)
    report.created["pairing"] += len(pairings)

    visits = []
    for index, cadre in enumerate(cadres):
        rate = SLOW_CADRES.get(index, 1.0)
        for pairing in (p for p in pairings if p.cadre_id == cadre.pk):
            day = start + datetime.timedelta(days=rng.randint(1, 10))
            while day <= today:
                if rng.random() < rate:
                    visits.append(
                        Visit(
                            household=pairing.household,
                            cadre=cadre,
                            date=day,
                            met=rng.choice(WHO),
                            situation=rng.choice(SITUATIONS),
                            recorded_by=cadre.user,
                        )
                    )
                day += datetime.timedelta(days=rng.randint(12, 17))
    visits = Visit.objects.bulk_create(visits)
    report.created["visit"] += len(visits)
    links = Visit.policies.through
    links.objects.bulk_create(
        links(visit_id=visit.pk, policy_id=policy.pk)
        for visit in visits
        for policy in rng.sample(policies, rng.choice((0, 1, 1, 2)))
    )
    _problems(rng, visits, today, report)


def _problems(rng: random.Random, visits: list[Visit], today: datetime.date, report) -> None:
    """About one visit in five raises a problem; most are solved at a later visit of the same cadre."""
    later = {}
    for visit in sorted(visits, key=lambda v: v.date):
        later.setdefault((visit.cadre_id, visit.household_id), []).append(visit)
    problems = []
    for visit in visits:
        if rng.random() >= 0.2:
            continue
        text, solution = rng.choice(PROBLEMS)
        problem = HouseholdProblem(
            household=visit.household, raised_at=visit, text=text, raised_on=visit.date
        )
        following = [v for v in later[(visit.cadre_id, visit.household_id)] if v.date > visit.date]
        if following and rng.random() < 0.8:
            solved_at = following[min(len(following) - 1, rng.randint(0, 3))]
            problem.status = HouseholdProblem.Status.SOLVED
            problem.solved_on = solved_at.date
            problem.solved_at = solved_at
            problem.solved_by_id = visit.cadre_id
            problem.solution = solution
        problems.append(problem)
    HouseholdProblem.objects.bulk_create(problems)
    report.created["household problem"] += len(problems)


def _risk(village: Village, report) -> None:
    """A household flagged at risk (an illness) from a visit about six weeks ago: a medical aid done,
    an employment measure still due."""
    if RiskFlag.objects.filter(household__village=village).exists():
        return
    today = timezone.localdate()
    visit = (
        Visit.objects.filter(household__village=village, date__lte=today - datetime.timedelta(days=42))
        .select_related("cadre")
        .order_by("-date", "pk")
        .first()
    )
    if visit is None:
        return
    raised = timezone.make_aware(datetime.datetime.combine(visit.date, datetime.time(17)))
    flag = RiskFlag.objects.create(
        household=visit.household,
        visit=visit,
        category=RiskFlag.Category.UNSTABLE,
        risk=RiskFlag.Risk.ILLNESS,
        note="户主住院手术，家中暂无劳动力，收入明显下降。",
        raised_by=visit.cadre,
        raised_at=raised,
    )
    kinds = {kind.name: kind for kind in MeasureKind.objects.of_township(village.township)}
    Measure.objects.bulk_create(
        [
            Measure(
                flag=flag,
                kind=kinds["医疗救助"],
                owner=visit.cadre,
                due_date=visit.date + datetime.timedelta(days=14),
                done_at=visit.date + datetime.timedelta(days=10),
                note="办理大病救助，住院费用报销",
            ),
            Measure(
                flag=flag,
                kind=kinds["就业帮扶"],
                owner=visit.cadre,
                due_date=today + datetime.timedelta(days=20),
                note="妻子推荐到村扶贫车间",
            ),
        ]
    )
    report.created["risk flag"] += 1
    report.created["measure"] += 2
