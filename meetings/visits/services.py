"""Writes of the visit log: one function per action, permission checked again, audited.

Who does what:

- a township administrator (`Capability.MANAGE_VISITS`) pairs cadres with households of their village,
  keeps the township's lists of policies and of kinds of measures and its visit requirement, and prints
  the households' cards;
- a cadre, through the account linked to their cadre record and while holding the cadre role in the
  village, records visits to the households they are paired with on the visit's day, and marks the
  problems raised at them solved;
- a household, through the secret code on its card, says that a visit did not happen.

A visit sent twice with the same client key (a phone that lost its signal halfway) is saved once; the
second call answers the first visit.
"""

import datetime
import io
import secrets
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from meetings.models import (
    HouseholdCard,
    HouseholdProblem,
    MeasureKind,
    Pairing,
    Policy,
    Visit,
    VisitRequirement,
)
from portal import audit, permissions, uploads
from portal.models import Cadre, Household, Township
from portal.permissions import Capability

MAX_PROBLEMS_PER_VISIT = 10
PHOTO_LONGEST_SIDE = 1600
DEFAULT_VISITS_PER_MONTH = 2
# A household's code: 16 symbols of Crockford's base32 alphabet (80 bits), printed in groups of four.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16


# ——— who may ———


def ensure_manages(user, village) -> None:
    permissions.ensure(user, Capability.MANAGE_VISITS, village)


def ensure_manages_township(user, township: Township) -> None:
    if not permissions.townships_with(user, Capability.MANAGE_VISITS).filter(pk=township.pk).exists():
        raise PermissionDenied(_("You may not do this in %(township)s.") % {"township": township})


def ensure_own_cadre(user, cadre: Cadre) -> None:
    if not permissions.is_own_cadre(user, cadre):
        raise PermissionDenied(_("Only the cadre can record their own visits."))
    permissions.ensure(user, Capability.WRITE_OWN_CONTENT, cadre.village)


def is_paired_on(cadre: Cadre, household: Household, day: datetime.date) -> bool:
    return Pairing.objects.filter(cadre=cadre, household=household).active_on(day).exists()


# ——— pairing ———


@transaction.atomic
def pairing_create(
    *, cadre: Cadre, household: Household, start: datetime.date, end: datetime.date | None = None, by
) -> Pairing:
    """Pair a cadre with a household of the same village, from `start` until `end` (open if None)."""
    ensure_manages(by, household.village)
    if cadre.village_id != household.village_id:
        raise ValidationError({"cadre": _("The cadre and the household must be of the same village.")})
    if end is not None and end < start:
        raise ValidationError({"end": _("The pairing cannot end before it starts.")})
    last = end or datetime.date.max
    if Pairing.objects.filter(cadre=cadre, household=household).overlapping(start, last).exists():
        raise ValidationError(_("This cadre is already paired with this household in that period."))
    pairing = Pairing.objects.create(cadre=cadre, household=household, start=start, end=end)
    audit.record(
        actor=by,
        action="visit_pairing_create",
        target=pairing,
        scope=household.village.code,
        details={
            "cadre": cadre.name,
            "household": household.number,
            "start": str(start),
            "end": str(end or ""),
        },
    )
    return pairing


@transaction.atomic
def pairing_end(*, pairing: Pairing, end: datetime.date, by) -> Pairing:
    """End a pairing on the given day (not before it started)."""
    pairing = (
        Pairing.objects.select_for_update().select_related("household__village", "cadre").get(pk=pairing.pk)
    )
    ensure_manages(by, pairing.household.village)
    if end < pairing.start:
        raise ValidationError({"end": _("The pairing cannot end before it starts.")})
    pairing.end = end
    pairing.save(update_fields=["end"])
    audit.record(
        actor=by,
        action="visit_pairing_end",
        target=pairing,
        scope=pairing.household.village.code,
        details={"cadre": pairing.cadre.name, "household": pairing.household.number, "end": str(end)},
    )
    return pairing


# ——— the township's policies and requirement ———


def _entry_save(model, messages, action, *, township, name, name_ug, active, entry, by):
    """Add an entry to one of the township's lists, or change one of it; audited."""
    ensure_manages_township(by, township)
    name = name.strip()
    if not name:
        raise ValidationError({"name": messages["empty"]})
    others = model.objects.of_township(township).filter(name=name)
    if entry is not None:
        if entry.township_id != township.pk:
            raise PermissionDenied(messages["foreign"])
        others = others.exclude(pk=entry.pk)
    if others.exists():
        raise ValidationError({"name": messages["taken"]})
    created = entry is None
    entry = entry or model(township=township)
    entry.name, entry.name_ug, entry.active = name, name_ug.strip(), active
    entry.save()
    audit.record(
        actor=by,
        action=f"{action}_add" if created else f"{action}_change",
        target=entry,
        details={"name": entry.name, "offered": entry.active},
    )
    return entry


@transaction.atomic
def policy_save(
    *, township: Township, name: str, name_ug: str = "", active: bool = True, policy: Policy | None = None, by
) -> Policy:
    """Add a policy to the township's list, or change one of it."""
    messages = {
        "empty": _("Give the policy a name."),
        "foreign": _("This policy is another township's."),
        "taken": _("The township's list already holds this policy."),
    }
    return _entry_save(
        Policy,
        messages,
        "visit_policy",
        township=township,
        name=name,
        name_ug=name_ug,
        active=active,
        entry=policy,
        by=by,
    )


@transaction.atomic
def measure_kind_save(
    *,
    township: Township,
    name: str,
    name_ug: str = "",
    active: bool = True,
    kind: MeasureKind | None = None,
    by,
) -> MeasureKind:
    """Add a kind of measure to the township's list, or change one of it."""
    messages = {
        "empty": _("Give the measure a name."),
        "foreign": _("This measure is another township's."),
        "taken": _("The township's list already holds this measure."),
    }
    return _entry_save(
        MeasureKind,
        messages,
        "measure_kind",
        township=township,
        name=name,
        name_ug=name_ug,
        active=active,
        entry=kind,
        by=by,
    )


def measure_kinds_start(township: Township) -> None:
    """A township without a list of measures starts with the usual ones (on a write, never on a read)."""
    if not MeasureKind.objects.of_township(township).exists():
        MeasureKind.objects.bulk_create(
            [
                MeasureKind(township=township, name=name, name_ug=name_ug)
                for name, name_ug in MeasureKind.USUAL
            ],
            ignore_conflicts=True,
        )


def visits_per_month(township: Township) -> int:
    requirement = VisitRequirement.objects.filter(township=township).first()
    return requirement.visits_per_month if requirement else DEFAULT_VISITS_PER_MONTH


@transaction.atomic
def requirement_set(*, township: Township, visits_per_month: int, by) -> VisitRequirement:
    ensure_manages_township(by, township)
    if not 1 <= visits_per_month <= 31:
        raise ValidationError({"visits_per_month": _("Give a number of visits from 1 to 31.")})
    requirement, _created = VisitRequirement.objects.update_or_create(
        township=township, defaults={"visits_per_month": visits_per_month}
    )
    audit.record(
        actor=by,
        action="visit_requirement_set",
        target=requirement,
        scope=township.code,
        details={"visits_per_month": visits_per_month},
    )
    return requirement


# ——— the visit ———


def clean_photo(photo) -> ContentFile:
    """The photo checked by its content and re-encoded as a JPEG no larger than PHOTO_LONGEST_SIDE.

    Re-encoding keeps the pixels only: the EXIF block (the phone, the time, the GPS position) and
    anything else in the file are dropped. The orientation EXIF asked for is applied first.
    """
    try:
        uploads.check_size(photo.size)
        photo.seek(0)
        data = photo.read()
        uploads.check_upload(data)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((PHOTO_LONGEST_SIDE, PHOTO_LONGEST_SIDE))
            clean = Image.new("RGB", image.size)
            clean.paste(image)
            output = io.BytesIO()
            clean.save(output, format="JPEG", quality=85)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError({"photo": _("The photo must be a JPEG, PNG or WebP image.")}) from None
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


def _problem_lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_PROBLEMS_PER_VISIT:
        raise ValidationError(
            {
                "problems_raised": _("At most %(count)s problems at one visit.")
                % {"count": MAX_PROBLEMS_PER_VISIT}
            }
        )
    if any(len(line) > 300 for line in lines):
        raise ValidationError({"problems_raised": _("Each problem may be at most 300 characters long.")})
    return lines


def visit_record(
    *,
    cadre: Cadre,
    household: Household,
    date: datetime.date,
    met: str,
    situation: str = "",
    policies=(),
    problems_raised: str = "",
    problems_solved=(),
    solution: str = "",
    photo=None,
    photo_agreed: bool = False,
    client_key: uuid.UUID | None = None,
    by,
) -> tuple[Visit, bool]:
    """Record the cadre's visit; answers (visit, True), or (the visit already saved, False) when the
    client key was seen before: a phone that sends the same visit again gets the same answer."""
    ensure_own_cadre(by, cadre)
    if client_key is not None:
        existing = Visit.objects.filter(client_key=client_key).first()
        if existing is not None:
            return _same_visit(existing, cadre), False
    try:
        with transaction.atomic():
            return _visit_create(
                cadre=cadre,
                household=household,
                date=date,
                met=met,
                situation=situation,
                policies=policies,
                problems_raised=problems_raised,
                problems_solved=problems_solved,
                solution=solution,
                photo=photo,
                photo_agreed=photo_agreed,
                client_key=client_key,
                by=by,
            ), True
    except IntegrityError:
        # Two sends of the same visit at once: the other one won; answer it.
        existing = Visit.objects.filter(client_key=client_key).first() if client_key else None
        if existing is None:
            raise
        return _same_visit(existing, cadre), False


def _same_visit(visit: Visit, cadre: Cadre) -> Visit:
    if visit.cadre_id != cadre.pk:
        raise ValidationError(_("This visit was already sent by another cadre."))
    return visit


def _visit_create(
    *,
    cadre,
    household,
    date,
    met,
    situation,
    policies,
    problems_raised,
    problems_solved,
    solution,
    photo,
    photo_agreed,
    client_key,
    by,
) -> Visit:
    if household.village_id != cadre.village_id or not is_paired_on(cadre, household, date):
        raise ValidationError({"household": _("You are not paired with this household on that day.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("A visit cannot be recorded before it happens.")})
    met = (met or "").strip()
    if not met:
        raise ValidationError({"met": _("Say who you met.")})
    policies = list(policies)
    township_id = household.village.township_id
    if any(policy.township_id != township_id for policy in policies):
        raise ValidationError({"policies": _("Choose policies from the township's list.")})
    solved = list(problems_solved)
    if any(problem.household_id != household.pk or problem.status != "open" for problem in solved):
        raise ValidationError({"problems_solved": _("Choose open problems of this household.")})
    lines = _problem_lines(problems_raised)
    if photo and not photo_agreed:
        raise ValidationError({"photo": _("A photo is kept only when the household agreed to it.")})
    visit = Visit(
        household=household,
        cadre=cadre,
        date=date,
        met=met[:200],
        situation=(situation or "").strip(),
        photo_agreed=bool(photo and photo_agreed),
        client_key=client_key,
        recorded_by=by,
    )
    if photo:
        visit.photo = clean_photo(photo)
    visit.save()
    visit.policies.set(policies)
    HouseholdProblem.objects.bulk_create(
        HouseholdProblem(household=household, raised_at=visit, text=line, raised_on=date) for line in lines
    )
    for problem in solved:
        _solve(problem, on=date, note=solution, visit=visit, cadre=cadre)
    audit.record(
        actor=by,
        action="visit_record",
        target=visit,
        scope=household.village.code,
        details={
            "cadre": cadre.name,
            "household": household.number,
            "date": str(date),
            "problems raised": len(lines),
            "problems solved": len(solved),
        },
    )
    return visit


def _solve(
    problem: HouseholdProblem, *, on: datetime.date, note: str, visit: Visit | None, cadre: Cadre
) -> None:
    problem.status = HouseholdProblem.Status.SOLVED
    problem.solved_by = cadre
    problem.solved_on = on
    problem.solution = (note or "").strip()[:300]
    problem.solved_at = visit
    problem.save(update_fields=["status", "solved_on", "solution", "solved_at", "solved_by"])


@transaction.atomic
def problem_solve(*, problem: HouseholdProblem, on: datetime.date, note: str, by) -> HouseholdProblem:
    """A cadre paired with the household (on that day) marks one of its open problems solved."""
    problem = (
        HouseholdProblem.objects.select_for_update().select_related("household__village").get(pk=problem.pk)
    )
    cadre = Cadre.objects.filter(user=by).first() if by.is_authenticated else None
    if cadre is None:
        raise PermissionDenied(_("Only a paired cadre can mark a household's problem solved."))
    ensure_own_cadre(by, cadre)
    if problem.status != HouseholdProblem.Status.OPEN:
        raise ValidationError(_("This problem is already solved."))
    if not is_paired_on(cadre, problem.household, on):
        raise ValidationError({"on": _("You are not paired with this household on that day.")})
    if on < problem.raised_on or on > timezone.localdate():
        raise ValidationError({"on": _("The date must be between the day it was raised and today.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Say how it was solved.")})
    _solve(problem, on=on, note=note, visit=None, cadre=cadre)
    audit.record(
        actor=by,
        action="visit_problem_solve",
        target=problem,
        scope=problem.household.village.code,
        details={"household": problem.household.number, "solved on": str(on)},
    )
    return problem


# ——— the household's card and page ———


def code_hash(code: str) -> str:
    return salted_hmac("meetings.visits.household-card", normalize_code(code), algorithm="sha256").hexdigest()


def normalize_code(code: str) -> str:
    """The code as typed or scanned: case, spaces and dashes ignored, and the letters Crockford's
    alphabet reads as digits (O → 0, I and L → 1) taken as those."""
    text = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return text.translate(str.maketrans("OIL", "011"))


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def card_issue(*, household: Household, by) -> str:
    """A new secret code for the household's card; the old card stops opening the page. Answers the
    code, which is shown once, for printing: only its keyed hash is kept."""
    ensure_manages(by, household.village)
    code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    HouseholdCard.objects.update_or_create(
        household=household, defaults={"code_hash": code_hash(code), "issued_at": timezone.now()}
    )
    audit.record(
        actor=by,
        action="household_card_issue",
        target=household,
        scope=household.village.code,
        details={"household": household.number},
    )
    return code


def household_by_code(code: str) -> Household | None:
    """The household whose card carries the code, or None."""
    normalized = normalize_code(code)
    if len(normalized) != CODE_LENGTH:
        return None
    card = HouseholdCard.objects.select_related("household__village__township").filter(
        code_hash=code_hash(normalized)
    )
    found = card.first()
    return found.household if found else None


@transaction.atomic
def visit_dispute(*, visit: Visit, household: Household, note: str = "") -> Visit:
    """The household, by its card's code, says that this visit did not happen; the township sees it."""
    visit = Visit.objects.select_for_update().select_related("household__village").get(pk=visit.pk)
    if visit.household_id != household.pk:
        raise PermissionDenied(_("This visit is another household's."))
    if visit.disputed_at is not None:
        raise ValidationError(_("You have already said this visit did not happen."))
    visit.disputed_at = timezone.now()
    visit.dispute_note = (note or "").strip()[:300]
    visit.save(update_fields=["disputed_at", "dispute_note"])
    audit.record(
        actor="household",
        action="visit_dispute",
        target=visit,
        scope=visit.household.village.code,
        details={"household": household.number, "date": str(visit.date)},
    )
    return visit
