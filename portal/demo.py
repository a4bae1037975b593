"""The demo that `make run` loads: a township of Shufu County (疏附县, Kashgar Prefecture), three of its
villages with their rolls and cadres, and one staff account per role.

Hand-written tables first (the places, the cadres and their posts, the accounts), then a generator of
households and residents driven by a `random.Random` seeded with the village's code, so that every run
yields the same roll, then `seed`, which writes only what is missing: a second run changes nothing.
"""

# The name tables read better as space-separated text than as lists of quoted one-word strings.
# ruff: noqa: SIM905

import random
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

from portal import idcard
from portal.models import Cadre, CadrePost, Resident, Role, Township, Village
from portal.roll_import import RollRow
from portal.services.roles import role_grant
from portal.services.roll import add_residents

# Printed with the logins by the command: the demo has no secret to keep.
DEMO_PASSWORD = "demo-2026"  # noqa: S105

Post = CadrePost.Post
MALE, FEMALE = Resident.Gender.MALE, Resident.Gender.FEMALE


@dataclass(frozen=True)
class CadreSpec:
    name: str
    gender: str
    posts: tuple[str, ...]
    term_start: int = 2021  # the 2021 election of the two committees; the terms are current


@dataclass(frozen=True)
class VillageSpec:
    code: str
    name: str
    cadres: tuple[CadreSpec, ...]

    @property
    def secretary(self) -> CadreSpec:
        return next(cadre for cadre in self.cadres if Post.PARTY_SECRETARY in cadre.posts)


@dataclass(frozen=True)
class AccountSpec:
    username: str
    role: Role | None  # None: the superuser, who grants the others their roles
    village: int | None = None  # index into VILLAGES; None for township-wide accounts


TOWNSHIP_CODE = "653121100"
TOWNSHIP_NAME = "托克扎克镇"
COUNTY = "疏附县"

# In every village the Party branch secretary is also the villagers' committee director (一肩挑), and
# the stationed working team is led by its first secretary.
VILLAGES = (
    VillageSpec(
        code="653121100201",
        name="阿亚格曼干村",
        cadres=(
            CadreSpec("艾尔肯·吐尔逊", MALE, (Post.PARTY_SECRETARY, Post.COMMITTEE_DIRECTOR)),
            CadreSpec("阿依努尔·买买提", FEMALE, (Post.PARTY_DEPUTY,)),
            CadreSpec("麦麦提敏·艾山", MALE, (Post.PARTY_MEMBER, Post.COMMITTEE_DEPUTY)),
            CadreSpec("帕提古丽·热合曼", FEMALE, (Post.COMMITTEE_MEMBER,)),
            CadreSpec("吐逊江·依明", MALE, (Post.COMMITTEE_MEMBER,)),
            CadreSpec("王建军", MALE, (Post.FIRST_SECRETARY,)),
            CadreSpec("李娜", FEMALE, (Post.TEAM_MEMBER,)),
            CadreSpec("阿卜杜拉·肉孜", MALE, (Post.TEAM_MEMBER,)),
        ),
    ),
    VillageSpec(
        code="653121100202",
        name="兰干村",
        cadres=(
            CadreSpec("买买提·艾力", MALE, (Post.PARTY_SECRETARY, Post.COMMITTEE_DIRECTOR)),
            CadreSpec("热依拉·吾买尔", FEMALE, (Post.PARTY_DEPUTY,)),
            CadreSpec("阿不都热依木·亚森", MALE, (Post.COMMITTEE_DEPUTY,)),
            CadreSpec("古丽娜尔·托合提", FEMALE, (Post.PARTY_MEMBER, Post.COMMITTEE_MEMBER)),
            CadreSpec("张伟", MALE, (Post.FIRST_SECRETARY,)),
            CadreSpec("努尔买买提·卡德尔", MALE, (Post.TEAM_MEMBER,)),
            CadreSpec("刘芳", FEMALE, (Post.TEAM_MEMBER,)),
        ),
    ),
    VillageSpec(
        code="653121100203",
        name="英阿瓦提村",
        cadres=(
            CadreSpec("玉素甫·司马义", MALE, (Post.PARTY_SECRETARY, Post.COMMITTEE_DIRECTOR)),
            CadreSpec("阿米娜·库尔班", FEMALE, (Post.PARTY_DEPUTY, Post.COMMITTEE_DEPUTY)),
            CadreSpec("艾山江·阿布拉", MALE, (Post.PARTY_MEMBER,)),
            CadreSpec("热合曼·米吉提", MALE, (Post.COMMITTEE_DEPUTY,)),
            CadreSpec("佐热古丽·塔依尔", FEMALE, (Post.COMMITTEE_MEMBER,)),
            CadreSpec("伊力哈木·斯拉木", MALE, (Post.COMMITTEE_MEMBER,)),
            CadreSpec("陈海涛", MALE, (Post.FIRST_SECRETARY,)),
            CadreSpec("迪丽拜尔·阿里木", FEMALE, (Post.TEAM_MEMBER,)),
            CadreSpec("杨志强", MALE, (Post.TEAM_MEMBER,)),
        ),
    ),
)

# The `cadre` account belongs to the first village's Party branch secretary.
SUPERUSER = "demo-super"
ACCOUNTS = (
    AccountSpec(SUPERUSER, None),
    AccountSpec("township-admin", Role.TOWNSHIP_ADMIN),
    AccountSpec("moderator", Role.VILLAGE_MODERATOR, village=0),
    AccountSpec("operator", Role.MEETING_OPERATOR, village=0),
    AccountSpec("cadre", Role.CADRE, village=0),
    # Decides, for the county, the households' evaluations the township checked.
    AccountSpec("county", Role.COUNTY_OFFICER),
)

# The roll: ID numbers of Shufu County, adults only (18 or over in 2026), households of 2 to 6 adults.
REGION = "653121"
OLDEST, YOUNGEST = 1940, 2007
RESIDENTS_PER_VILLAGE = (260, 440)
HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS = (2, 3, 4, 5, 6), (25, 25, 25, 15, 10)
HAN_HOUSEHOLDS = 0.08
PARTY_MEMBERS, REPRESENTATIVES = 0.10, 0.05

# Uyghur names as written in Chinese: one's own name, a middle dot, then the father's name.
UYGHUR_MALE = (
    "买买提 艾力 吐尔逊 艾山 玉素甫 阿卜杜拉 依明 肉孜 努尔买买提 热合曼 吾买尔 亚森 卡德尔 司马义 "
    "托合提 麦麦提敏 阿布拉 伊力哈木 艾尔肯 库尔班 吐逊江 艾合买提 斯拉木 米吉提 塔依尔 阿里木 吾斯曼 "
    "热西提 牙合甫 买合木提 艾则孜 阿迪力 帕尔哈提 艾克拜尔 阿不都热依木 如则 萨迪克 艾力江 买买提江 "
    "努尔艾力 阿卜杜热合曼 图尔贡 喀斯木 奥斯曼 克然木 阿不来提 色依提 吐拉洪"
).split()
UYGHUR_FEMALE = (
    "阿依古丽 古丽娜尔 帕提古丽 热依拉 阿依努尔 布维赛热木 佐热古丽 米热古丽 努尔尼沙 阿米娜 祖丽皮亚 "
    "玛依拉 热孜宛古丽 古再丽努尔 阿依夏木 再乃甫 海丽且木 图尔荪古丽 迪丽拜尔 阿瓦古丽 哈力旦木 "
    "买热木尼沙 热娜古丽 帕丽达 茹仙古丽 阿孜古丽 萨拉木古丽 古丽巴哈尔 努尔比亚 阿丽米热 米娜瓦尔 "
    "赛乃木 排孜拉 如克亚 阿依先木"
).split()
HAN_SURNAMES = "王 李 张 刘 陈 杨 赵 黄 周 吴 马 孙 徐 朱".split()
HAN_MALE = "建国 志强 伟 军 海涛 国庆 建华 明 磊 勇 新疆 卫东 学军 浩 涛 鹏".split()
HAN_FEMALE = "秀英 桂兰 丽 芳 玉兰 红梅 燕 静 淑珍 霞 娟 敏 丽娟 雪".split()


@dataclass(frozen=True)
class DemoResident:
    household: str
    name: str
    gender: str
    birth_year: int
    id_number: str
    party_member: bool = False
    representative: bool = False


def village_roll(village: VillageSpec) -> list[DemoResident]:
    """The village's roll, the same on every call: households numbered "001", "002"…, heads first."""
    # Reproducible, not secret: the seed is the village's code.
    rng = random.Random(int(village.code))  # noqa: S311
    target = rng.randint(*RESIDENTS_PER_VILLAGE)
    members: list[tuple[str, str, str, int]] = []  # (household, name, gender, birth year)
    heads: list[int] = []
    while len(members) < target:
        number = f"{len(heads) + 1:03d}"
        size = rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS)[0]
        family = _han_family(rng, size) if rng.random() < HAN_HOUSEHOLDS else _uyghur_family(rng, size)
        heads.append(len(members))
        members += [(number, name, gender, year) for name, gender, year in family]

    grown = [index for index, member in enumerate(members) if member[3] <= YOUNGEST - 7]
    party = set(rng.sample(grown, round(len(members) * PARTY_MEMBERS)))
    representatives = set(rng.sample(heads, round(len(members) * REPRESENTATIVES)))
    used: set[str] = set()
    return [
        DemoResident(
            household=number,
            name=name,
            gender=gender,
            birth_year=year,
            id_number=_id_number(rng, year, gender, used),
            party_member=index in party,
            representative=index in representatives,
        )
        for index, (number, name, gender, year) in enumerate(members)
    ]


def _uyghur_family(rng: random.Random, size: int) -> list[tuple[str, str, int]]:
    """A couple (or a widowed mother) with adult children, sometimes with the husband's old parent."""
    husband, his_father = rng.choice(UYGHUR_MALE), rng.choice(UYGHUR_MALE)
    widowed = size > 2 and rng.random() < 0.12
    head_year = rng.randint(1945, 1980) if size > 2 else rng.randint(1942, 2000)
    wife_year = _clamp(head_year + rng.randint(-1, 6))
    family = []
    if not widowed:
        family.append((f"{husband}·{his_father}", MALE, head_year))
    family.append((f"{rng.choice(UYGHUR_FEMALE)}·{rng.choice(UYGHUR_MALE)}", FEMALE, wife_year))
    if len(family) < size and head_year >= 1965 and rng.random() < 0.4:
        elder_year = head_year - rng.randint(22, 32)
        if elder_year >= OLDEST:
            family.append((f"{his_father}·{rng.choice(UYGHUR_MALE)}", MALE, elder_year))
    while len(family) < size:
        gender = rng.choice((MALE, FEMALE))
        name = f"{rng.choice(UYGHUR_MALE if gender == MALE else UYGHUR_FEMALE)}·{husband}"
        if all(name != member[0] for member in family):  # no two siblings share a name
            family.append((name, gender, _child_year(rng, wife_year)))
    return family


def _han_family(rng: random.Random, size: int) -> list[tuple[str, str, int]]:
    surname = rng.choice(HAN_SURNAMES)
    head_year = rng.randint(1948, 1980) if size > 2 else rng.randint(1945, 1998)
    wife_year = _clamp(head_year + rng.randint(-1, 5))
    wife_surname = rng.choice([other for other in HAN_SURNAMES if other != surname])
    family = [
        (surname + rng.choice(HAN_MALE), MALE, head_year),
        (wife_surname + rng.choice(HAN_FEMALE), FEMALE, wife_year),
    ]
    while len(family) < size:
        gender = rng.choice((MALE, FEMALE))
        name = surname + rng.choice(HAN_MALE if gender == MALE else HAN_FEMALE)
        if all(name != member[0] for member in family):
            family.append((name, gender, _child_year(rng, wife_year)))
    return family


def _child_year(rng: random.Random, mother_year: int) -> int:
    """An adult child's birth year: the mother was 19 to 38 years old, and the child is 18 or over."""
    earliest = mother_year + 19
    return _clamp(rng.randint(earliest, max(earliest, min(mother_year + 38, YOUNGEST))))


def _clamp(year: int) -> int:
    return min(max(year, OLDEST), YOUNGEST)


def _id_number(rng: random.Random, birth_year: int, gender: str, used: set[str]) -> str:
    """A valid, unused number of the county whose birth date falls in `birth_year`.

    The 17th digit is odd for men and even for women, as GB 11643 has it.
    """
    while True:
        serial = rng.randrange(500) * 2 + (1 if gender == MALE else 0)
        first17 = f"{REGION}{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{serial:03d}"
        if first17 not in used:
            used.add(first17)
            return idcard.with_check_symbol(first17)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    where: str


@dataclass
class SeedReport:
    created: Counter = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def seed() -> SeedReport:
    """Create whatever part of the demo is missing; leave everything that exists as it is.

    Natural keys decide what exists: township and village by code, household by (village, number),
    resident by (village, ID hash), cadre by (village, name), post by (cadre, post, term start),
    account by username. Passwords are set only when an account is created.
    """
    report = SeedReport()
    township, created = Township.objects.get_or_create(
        code=TOWNSHIP_CODE, defaults={"name": TOWNSHIP_NAME, "county": COUNTY}
    )
    report.created["township"] += created
    villages = []
    for spec in VILLAGES:
        village, created = Village.objects.get_or_create(
            code=spec.code, defaults={"township": township, "name": spec.name}
        )
        report.created["village"] += created
        _seed_roll(village, spec, report)
        _seed_cadres(village, spec, report)
        villages.append(village)
    _seed_accounts(township, villages, report)
    return report


def _seed_roll(village: Village, spec: VillageSpec, report: SeedReport) -> None:
    roll = [(resident, idcard.id_number_hash(resident.id_number)) for resident in village_roll(spec)]
    existing = set(Resident.objects.filter(village=village).values_list("id_hash", flat=True))
    if existing and existing.isdisjoint(id_hash for _, id_hash in roll):
        # Most likely seeded under another PORTAL_ROLL_HASH_KEY: adding the roll again would double it.
        report.warnings.append(
            f"{village.name} ({village.code}): none of the roll's ID hashes is the demo's (seeded under "
            "another PORTAL_ROLL_HASH_KEY?); the roll was left as it is."
        )
        return

    new_rows = [
        RollRow(
            line=0,
            household=resident.household,
            name=resident.name,
            gender=resident.gender,
            birth_year=resident.birth_year,
            id_number=idcard.parse_id_number(resident.id_number),
            party_member=resident.party_member,
            representative=resident.representative,
        )
        for resident, id_hash in roll
        if id_hash not in existing
    ]
    report.created["household"] += add_residents(village=village, rows=new_rows)
    report.created["resident"] += len(new_rows)


def _seed_cadres(village: Village, spec: VillageSpec, report: SeedReport) -> None:
    for cadre_spec in spec.cadres:
        cadre, created = Cadre.objects.get_or_create(
            village=village, name=cadre_spec.name, defaults={"gender": cadre_spec.gender}
        )
        report.created["cadre"] += created
        for post in cadre_spec.posts:
            _, created = CadrePost.objects.get_or_create(
                cadre=cadre, post=post, term_start=cadre_spec.term_start
            )
            report.created["post"] += created


def _seed_accounts(township: Township, villages: list[Village], report: SeedReport) -> None:
    User = get_user_model()
    superuser = None
    for spec in ACCOUNTS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            if spec.role is None:
                user = User.objects.create_superuser(spec.username, password=DEMO_PASSWORD)
            else:
                user = User(username=spec.username)
                user.set_password(DEMO_PASSWORD)
                user.save()
            report.created["account"] += 1
        if spec.role is None:
            superuser = user
            report.logins.append(Login(spec.username, "superuser", "everywhere, and the Django admin"))
            continue

        village = villages[spec.village] if spec.village is not None else None
        scope = {"village": village} if village else {"township": township}
        before = user.role_assignments.count()
        role_grant(user=user, role=spec.role, by=superuser, **scope)
        report.created["role grant"] += user.role_assignments.count() - before
        where = f"{township.name} · {village.name}" if village else township.name
        report.logins.append(Login(spec.username, str(spec.role.label), where))
        if spec.role == Role.CADRE:
            _link_secretary(user, village, VILLAGES[spec.village], report)


def _link_secretary(user, village: Village, spec: VillageSpec, report: SeedReport) -> None:
    """Give the village's Party branch secretary this account, unless either is linked already."""
    secretary = Cadre.objects.get(village=village, name=spec.secretary.name)
    if secretary.user_id is None and not Cadre.objects.filter(user=user).exists():
        secretary.user = user
        secretary.save(update_fields=["user"])
        report.created["cadre account link"] += 1
        if not user.first_name:
            user.first_name = secretary.name
            user.save(update_fields=["first_name"])
