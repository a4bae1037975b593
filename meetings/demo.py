"""The demo's meetings: last year's, held, voted and final, and this year's, announced.

Written through the same services the staff pages use, by the accounts that would do it: each cadre
writes and submits their own report, the moderator approves and publishes it, the clerk signs
villagers in and records their questions, the cadre concerned answers, promises become commitments
with progress. Every figure in the texts is made up but plausible for a village of the county.
"""

# Seeded pseudo-random numbers make the demo reproducible; nothing here is secret.
# ruff: noqa: S311

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from meetings import services
from meetings.models import Commitment, Meeting, WorkReport
from meetings.questions import services as question_services
from meetings.reports import services as report_services
from portal.models import Cadre, CadrePost, Role, Village
from portal.services.roles import role_grant
from ratings import demo as ratings_demo

Post = CadrePost.Post
LAST_YEAR, THIS_YEAR = 2025, 2026
VENUE = "村党群服务中心会议室"
# Township leaders and staff who rate the cadres as the township panel, at least k so that the
# breakdown by voter group can be shown.
PANEL_SEATS = 7
AGENDA = (
    "一、村党支部书记代表“两委”班子述职\n"
    "二、“两委”成员和驻村工作队员逐一述职述廉\n"
    "三、村民现场提问，干部答复\n"
    "四、村民对干部逐一测评，推荐勤劳致富户\n"
    "五、宣布整改承诺事项"
)


def _held_at(year: int, month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 30))


def _later_today() -> datetime.datetime:
    """This year's meeting is held on the day the demo is seeded: its vote opens only on its day, and
    the tour opens it. An hour from now (but today still), so the home page lists it as upcoming."""
    end_of_day = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59)))
    return min(timezone.now() + datetime.timedelta(hours=1), end_of_day)


@dataclass(frozen=True)
class ReportFigures:
    """Numbers that vary from one village and cadre to the next, so no two reports read alike."""

    households: int
    income: int
    income_growth: float
    roads_km: float
    jobs: int
    courtyards: int
    visits: int
    disputes: int


def _figures(rng: random.Random) -> ReportFigures:
    return ReportFigures(
        households=rng.randint(280, 420),
        income=rng.randint(14500, 19800),
        income_growth=round(rng.uniform(6.5, 11.8), 1),
        roads_km=round(rng.uniform(1.2, 4.8), 1),
        jobs=rng.randint(45, 160),
        courtyards=rng.randint(30, 95),
        visits=rng.randint(180, 420),
        disputes=rng.randint(6, 24),
    )


DUTIES = {
    "secretary": "主持村党支部全面工作，兼任村民委员会主任，负责党建、经济发展和村务管理。",
    "deputy": "协助书记抓好党建和组织工作，分管党员教育管理、意识形态和综治维稳。",
    "committee": "分管农业生产、林果管理和村级集体经济项目，联系 {households} 户中的一个片区。",
    "first_secretary": "带领驻村工作队开展帮扶，负责巩固脱贫成果、产业项目和就业帮扶。",
    "team": "驻村工作队员，负责入户走访、惠民政策落实和群众诉求收集。",
}

MEASURES = {
    "secretary": (
        "- 落实“四议两公开”，全年召开村民代表会议 {meetings} 次，重大事项全部公开\n"
        "- 推进庭院经济，改造庭院 {courtyards} 个\n"
        "- 争取项目资金修通村组道路 {roads_km} 公里"
    ),
    "deputy": (
        "- 组织党员集中学习 {meetings} 次，开展“党员联系户”活动\n"
        "- 排查化解矛盾纠纷 {disputes} 起\n"
        "- 完善村规民约，开展“最美庭院”评选"
    ),
    "committee": (
        "- 组织林果技术培训 {meetings} 场，推广核桃、红枣提质增效\n"
        "- 协调农机服务，完成冬小麦播种\n"
        "- 管好村集体合作社的账目，按季度公开"
    ),
    "first_secretary": (
        "- 对接帮扶单位，落实产业帮扶项目 3 个\n"
        "- 组织劳动力转移就业 {jobs} 人\n"
        "- 建立防返贫监测台账，逐户跟踪"
    ),
    "team": (
        "- 入户走访 {visits} 户次，收集诉求并逐条回复\n"
        "- 协助办理医保、养老保险参保缴费\n"
        "- 开展国家通用语言培训夜校"
    ),
}

ACHIEVEMENTS = (
    "| 指标 | 数值 |\n"
    "| --- | --- |\n"
    "| 农村居民人均可支配收入 | {income} 元（增长 {income_growth}%） |\n"
    "| 转移就业 | {jobs} 人 |\n"
    "| 入户走访 | {visits} 户次 |\n"
    "| 化解矛盾纠纷 | {disputes} 起 |"
)

INTEGRITY = (
    "严格遵守廉洁自律各项规定，本人及亲属未参与村级工程项目；村级财务每季度公开，"
    "全年无违规报销。接受群众监督，如有问题欢迎随时反映。"
)

SHORTCOMINGS = {
    "secretary": "产业结构仍较单一，合作社带动能力不强；个别惠民事项公开不够及时。",
    "deputy": "对年轻党员的培养还不够，部分学习活动形式单一。",
    "committee": "林果销售渠道窄，价格受市场影响大；农田水利设施维护不到位。",
    "first_secretary": "帮扶项目见效慢，对脱贫户的后续技能培训还不够系统。",
    "team": "走访记录整理不够及时，部分群众诉求办理周期偏长。",
}

PLAN = {
    "secretary": "{next_year}年重点：建成冷链保鲜库一座；完成主干渠防渗改造；村务公开栏每月更新。",
    "deputy": "{next_year}年开展党员积分制管理，每月一次主题党日，矛盾纠纷不出村。",
    "committee": "{next_year}年引进一家收购企业签订订单，组织三期林果管理培训。",
    "first_secretary": "{next_year}年新增就业岗位 50 个，建立技能培训台账，每户至少一人掌握一门技能。",
    "team": "{next_year}年诉求办理做到三日内回复、十五日内办结，办理结果公开。",
}


def _role_of(cadre: Cadre) -> str:
    posts = {post.post for post in cadre.posts.all()}
    if Post.PARTY_SECRETARY in posts:
        return "secretary"
    if Post.FIRST_SECRETARY in posts:
        return "first_secretary"
    if Post.PARTY_DEPUTY in posts:
        return "deputy"
    if Post.TEAM_MEMBER in posts:
        return "team"
    return "committee"


def _report_values(cadre: Cadre, year: int) -> dict:
    rng = random.Random(f"{cadre.village.code}:{cadre.name}:{year}")
    figures = _figures(rng)
    return {**figures.__dict__, "meetings": rng.randint(4, 12), "next_year": year + 1}


def report_sections(cadre: Cadre, year: int) -> dict[str, str]:
    """The six sections of a cadre's report for the year, the same on every run."""
    values = _report_values(cadre, year)
    role = _role_of(cadre)
    return {
        "duties": DUTIES[role].format(**values),
        "measures": MEASURES[role].format(**values),
        "achievements": ACHIEVEMENTS.format(**values),
        "integrity": INTEGRITY,
        "shortcomings": SHORTCOMINGS[role],
        "plan": PLAN[role].format(**values),
    }


# The Party branch secretary's report in Uyghur too: its Uyghur version, the same figures (a Chinese term
# quoted in it shows that the page keeps each script's own direction).
SECRETARY_UG = {
    "duties": (
        "كەنت پارتىيە ياچېيكىسىنىڭ ئومۇمىي خىزمىتىگە رىياسەتچىلىك قىلىمەن ھەمدە كەنت ئاھالىلەر "
        "كومىتېتىنىڭ مۇدىرلىقىنى قوشۇمچە ئۆتەيمەن؛ پارتىيە قۇرۇلۇشى، ئىقتىسادىي تەرەققىيات ۋە كەنت "
        "ئىشلىرىنى باشقۇرۇشقا مەسئۇلمەن."
    ),
    "measures": (
        "- «تۆت مۇزاكىرە، ئىككى ئاشكارىلاش» (四议两公开) تۈزۈمىنى ئىجرا قىلىپ، يىل بويى كەنت ئاھالىلەر "
        "ۋەكىللىرى يىغىنىنى {meetings} قېتىم چاقىردۇق، مۇھىم ئىشلارنىڭ ھەممىسى ئاشكارىلاندى\n"
        "- ھويلا ئىگىلىكىنى راۋاجلاندۇرۇپ، {courtyards} ھويلىنى ئۆزگەرتتۇق\n"
        "- تۈر مەبلىغى ئېلىپ، كەنت ۋە گۇرۇپپا يولىدىن {roads_km} كىلومېتىرنى ياسىدۇق"
    ),
    "achievements": (
        "| كۆرسەتكۈچ | سان |\n"
        "| --- | --- |\n"
        "| كىشى بېشىغا توغرا كېلىدىغان كىرىم | {income} يۈەن ({income_growth}% ئاشتى) |\n"
        "| يۆتكىلىپ ئىشقا ئورۇنلاشقانلار | {jobs} ئادەم |\n"
        "| ئائىلىلەرنى زىيارەت قىلىش | {visits} قېتىم |\n"
        "| ھەل قىلىنغان زىددىيەت-ماجىرالار | {disputes} |"
    ),
    "integrity": (
        "پاك-دىيانەتلىك بولۇش بەلگىلىمىلىرىگە قاتتىق ئەمەل قىلدىم؛ ئۆزۈم ۋە تۇغقانلىرىم كەنت قۇرۇلۇش "
        "تۈرلىرىگە قاتناشمىدى. كەنتنىڭ مالىيەسى ھەر پەسىلدە ئاشكارىلاندى، يىل بويى قائىدىگە خىلاپ چىقىم "
        "قىلىنمىدى. ئاممىنىڭ نازارىتىنى قوبۇل قىلىمەن."
    ),
    "shortcomings": (
        "كەسىپ قۇرۇلمىسى يەنىلا يەككە، كوپىراتىپنىڭ يېتەكلەش رولى كۈچلۈك ئەمەس؛ خەلققە نەپ "
        "يەتكۈزىدىغان بەزى ئىشلار ۋاقتىدا ئاشكارىلانمىدى."
    ),
    "plan": (
        "{next_year}-يىلىدىكى مۇھىم خىزمەتلەر: بىر سوغۇق ساقلاش ئامبىرى قۇرۇش؛ ئاساسلىق ئۆستەڭنىڭ "
        "سىڭىشتىن ساقلاش قۇرۇلۇشىنى تاماملاش؛ كەنت ئىشلىرى ئاشكارىلاش تاختىسىنى ھەر ئايدا يېڭىلاش."
    ),
}


def report_sections_ug(cadre: Cadre, year: int) -> dict[str, str] | None:
    """The Uyghur version of the report, which the demo has for the Party branch secretary only."""
    if _role_of(cadre) != "secretary":
        return None
    values = _report_values(cadre, year)
    return {name: text.format(**values) for name, text in SECRETARY_UG.items()}


# Questions asked at last year's meeting: (question, answer, commitment or None). A commitment is
# (what, due date, status, dated progress notes).
LAST_YEAR_QUESTIONS = (
    (
        "三组的灌溉渠漏水严重，春灌时下游的地浇不上水，什么时候能修？",
        "渠道防渗改造已列入明年项目，开春前先组织劳力清淤补漏。",
        (
            "完成三组主干渠防渗改造",
            datetime.date(2026, 5, 31),
            Commitment.Status.DONE,
            (
                (datetime.date(2026, 3, 20), "组织清淤补漏，出工 120 人次。"),
                (datetime.date(2026, 5, 28), "完成 1.6 公里防渗改造，已通水验收。"),
            ),
        ),
    ),
    (
        "合作社收的核桃去年迟迟不结账，今年能不能按时付款？",
        "已与收购企业签订合同，约定收购后 30 天内结清，账目在公开栏公示。",
        (
            "合作社核桃款收购后 30 天内结清并公示",
            datetime.date(2026, 10, 31),
            Commitment.Status.IN_PROGRESS,
            ((datetime.date(2026, 9, 10), "已与收购企业签订合同，约定收购后 30 天内付款。"),),
        ),
    ),
    (
        "村里的路灯坏了好几盏，晚上孩子上学不安全。",
        "本周内统计损坏路灯，申请维修资金。",
        ("修复村内损坏路灯并增设太阳能路灯 20 盏", datetime.date(2027, 3, 31), Commitment.Status.OPEN, ()),
    ),
    (
        "养老保险怎么补缴？年纪大的人不会在手机上办。",
        "工作队每周三在党群服务中心帮大家办理，行动不便的上门办理。",
        None,
    ),
)

# The README's tour votes at this village's meeting of this year: a representatives' assembly, so that a
# clerk reaches the quorum by signing in one representative, where a villagers' assembly would need
# some two hundred sign-ins before its results could be published.
TOUR_VILLAGE = "653121100201"

THIS_YEAR_QUESTIONS = (
    "冷链保鲜库建在哪里？我们小组的杏子能不能放进去？",
    "去年说的路灯什么时候装？",
)


def seed_meetings(*, villages: list[Village], superuser, report) -> None:
    """Last year's meeting, final, and this year's, announced, for each demo village."""
    for village in villages:
        cadres = list(Cadre.objects.in_village(village).with_posts().order_by("pk"))
        accounts = _cadre_accounts(village, cadres, superuser, report)
        if not Meeting.objects.in_village(village).for_year(LAST_YEAR).exists():
            _last_year(village, cadres, accounts, superuser)
            report.created["meeting"] += 1
        if not Meeting.objects.in_village(village).for_year(THIS_YEAR).exists():
            _this_year(village, cadres, accounts, superuser)
            report.created["meeting"] += 1


def _cadre_accounts(village: Village, cadres: list[Cadre], superuser, report) -> dict[int, object]:
    """Every cadre writes their own report, so each needs an account (no password: demo only)."""
    User = get_user_model()
    accounts = {}
    for index, cadre in enumerate(cadres, start=1):
        if cadre.user_id is None:
            user, created = User.objects.get_or_create(
                username=f"cadre-{village.code[-3:]}-{index}", defaults={"first_name": cadre.name}
            )
            if created:
                user.set_unusable_password()
                user.save()
                report.created["account"] += 1
            cadre.user = user
            cadre.save(update_fields=["user"])
        role_grant(user=cadre.user, role=Role.CADRE, village=village, by=superuser)
        accounts[cadre.pk] = cadre.user
    return accounts


def _reports(meeting: Meeting, cadres: list[Cadre], accounts: dict, superuser) -> None:
    for cadre in cadres:
        author = accounts[cadre.pk]
        versions = {
            WorkReport.Language.CHINESE: report_sections(cadre, meeting.year),
            WorkReport.Language.UYGHUR: report_sections_ug(cadre, meeting.year),
        }
        for language, sections in versions.items():
            if sections is None:
                continue
            report = report_services.report_create(
                meeting=meeting, cadre=cadre, by=author, sections=sections, language=language
            )
            report_services.report_submit(report=report, by=author)
            report_services.report_approve(report=report, by=superuser)
            report_services.report_publish(report=report, by=superuser)


def _announced_with_reports(
    village: Village,
    year: int,
    held_at,
    cadres: list[Cadre],
    accounts: dict,
    superuser,
    kind: str = Meeting.Kind.VILLAGERS_ASSEMBLY,
) -> Meeting:
    """A meeting announced, with every cadre's report written, approved and published."""
    meeting = services.meeting_create(
        village=village,
        year=year,
        held_at=held_at,
        venue=VENUE,
        kind=kind,
        cadres=cadres,
        agenda=AGENDA,
        panel_seats=PANEL_SEATS,
        by=superuser,
    )
    meeting = services.meeting_announce(meeting=meeting, by=superuser)
    _reports(meeting, cadres, accounts, superuser)
    return meeting


def _last_year(village: Village, cadres: list[Cadre], accounts: dict, superuser) -> None:
    """Held, voted, published and final: the ballots, results and honor roll come from ratings.demo."""
    meeting = _announced_with_reports(
        village, LAST_YEAR, _held_at(LAST_YEAR, 12, 12), cadres, accounts, superuser
    )
    staff = ratings_demo.staff_for(village, superuser)
    evaluated = village.code == TOUR_VILLAGE
    if evaluated:
        entry = ratings_demo.household_entry_last_year(meeting, staff)
    # Two thirds of the roll came: more than half, so the assembly had its quorum.
    codes = ratings_demo.sign_in(meeting, by=staff.operator)
    meeting = services.voting_open(meeting=meeting, by=staff.operator)
    _questions_and_commitments(meeting, cadres[0], accounts, superuser)
    ratings_demo.cast_ballots(meeting, codes, by=staff.operator)
    meeting = services.voting_close(meeting=meeting, by=staff.operator)
    ratings_demo.publish_results(meeting, staff)
    if evaluated:
        ratings_demo.household_decided_last_year(
            entry, staff, ratings_demo.county_officer_for(village, superuser)
        )


def _questions_and_commitments(meeting: Meeting, secretary: Cadre, accounts: dict, superuser) -> None:
    for text, answer, commitment in LAST_YEAR_QUESTIONS:
        question = question_services.question_record_at_meeting(
            meeting=meeting, text=text, cadre=secretary, by=superuser
        )
        question_services.question_approve(question=question, by=superuser)
        question_services.question_answer(question=question, answer=answer, by=accounts[secretary.pk])
        if commitment is None:
            continue
        title, due_date, status, notes = commitment
        promise = question_services.commitment_create_from_question(
            question=question, owner=secretary, title=title, due_date=due_date, by=superuser
        )
        for date, note in notes:
            question_services.commitment_update_add(commitment=promise, text=note, date=date, by=superuser)
        if status != Commitment.Status.OPEN:
            done_on = notes[-1][0] if status == Commitment.Status.DONE else None
            question_services.commitment_set_status(
                commitment=promise, status=status, done_on=done_on, by=superuser
            )


def _this_year(village: Village, cadres: list[Cadre], accounts: dict, superuser) -> None:
    tour = village.code == TOUR_VILLAGE
    kind = Meeting.Kind.REPRESENTATIVES_ASSEMBLY if tour else Meeting.Kind.VILLAGERS_ASSEMBLY
    meeting = _announced_with_reports(
        village, THIS_YEAR, _later_today(), cadres, accounts, superuser, kind=kind
    )
    staff = ratings_demo.staff_for(village, superuser)
    if tour:
        ratings_demo.sign_in_representatives_but_one(meeting, by=staff.operator)
    # The committee and the clerk have chosen this year's scrutineers before the meeting.
    ratings_demo.name_scrutineers(meeting, staff)
    if tour:
        ratings_demo.household_exit_this_year(meeting, staff)
    for text in THIS_YEAR_QUESTIONS:
        question = question_services.question_record_at_meeting(
            meeting=meeting, text=text, cadre=cadres[0], by=superuser
        )
        question_services.question_approve(question=question, by=superuser)
    chinese = WorkReport.objects.filter(meeting=meeting, language=WorkReport.Language.CHINESE)
    assert chinese.published().count() == len(cadres)
