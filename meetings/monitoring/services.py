"""Writes of the monitoring of households at risk: one function per action, permission checked again,
audited.

Who does what:

- the cadre paired with the household, who made the visit, flags the household at risk from that visit;
- the township's administrators (`Capability.MANAGE_VISITS`) assign measures to a cadre of the village
  and close the flag once the risk is answered;
- the owner of a measure (the cadre, through their account) marks it done.

The household's entry into monitoring is not decided here: the village's staff start it from an open
flag as a household proposal (ratings.evaluations), which points back at the flag.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import Measure, MeasureKind, RiskFlag, Visit
from meetings.visits.services import ensure_manages, ensure_own_cadre, is_paired_on
from portal import audit, permissions
from portal.models import Cadre

MAX_NOTE = 2000


@transaction.atomic
def flag_raise(*, visit: Visit, category: str, risk: str, note: str = "", by) -> RiskFlag:
    """The cadre who made the visit, still paired with the household, flags it at risk."""
    visit = Visit.objects.select_related("household__village", "cadre").get(pk=visit.pk)
    ensure_own_cadre(by, visit.cadre)
    if not is_paired_on(visit.cadre, visit.household, timezone.localdate()):
        raise PermissionDenied(_("You are not paired with this household any more."))
    errors = {}
    if category not in RiskFlag.Category.values:
        errors["category"] = _("Choose the category.")
    if risk not in RiskFlag.Risk.values:
        errors["risk"] = _("Choose the risk.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("The note may be at most %(count)s characters long.") % {"count": MAX_NOTE}
    if errors:
        raise ValidationError(errors)
    flag = RiskFlag.objects.create(
        household=visit.household,
        visit=visit,
        category=category,
        risk=risk,
        note=note,
        raised_by=visit.cadre,
    )
    audit.record(
        actor=by,
        action="risk_flag_raise",
        target=flag,
        scope=visit.household.village.code,
        details={"household": visit.household.number, "category": category, "risk": risk},
    )
    return flag


def _locked_flag(flag: RiskFlag) -> RiskFlag:
    return (
        RiskFlag.objects.select_for_update(of=("self",)).select_related("household__village").get(pk=flag.pk)
    )


def _ensure_open(flag: RiskFlag) -> None:
    if flag.status != RiskFlag.Status.OPEN:
        raise ValidationError(_("This risk is closed."))


@transaction.atomic
def measure_assign(
    *, flag: RiskFlag, kind: MeasureKind, owner: Cadre, due_date: datetime.date, note: str = "", by
) -> Measure:
    """A township administrator assigns a measure answering the risk to a cadre of the village."""
    flag = _locked_flag(flag)
    ensure_manages(by, flag.household.village)
    _ensure_open(flag)
    errors = {}
    if kind.township_id != flag.household.village.township_id or not kind.active:
        errors["kind"] = _("Choose a measure from the township's list.")
    if owner.village_id != flag.household.village_id:
        errors["owner"] = _("Choose a cadre of the household's village.")
    if due_date < flag.raised_at.date():
        errors["due_date"] = _("The due date cannot be before the risk was found.")
    if errors:
        raise ValidationError(errors)
    measure = Measure.objects.create(
        flag=flag, kind=kind, owner=owner, due_date=due_date, note=(note or "").strip()[:300]
    )
    audit.record(
        actor=by,
        action="risk_measure_assign",
        target=measure,
        scope=flag.household.village.code,
        details={
            "household": flag.household.number,
            "measure": kind.name,
            "owner": owner.name,
            "due": str(due_date),
        },
    )
    return measure


@transaction.atomic
def measure_done(*, measure: Measure, on: datetime.date, note: str = "", by) -> Measure:
    """The owner of the measure marks it done, on a day between its assignment and today."""
    measure = (
        Measure.objects.select_for_update(of=("self",))
        .select_related("flag__household__village", "owner", "kind")
        .get(pk=measure.pk)
    )
    if not permissions.is_own_cadre(by, measure.owner):
        raise PermissionDenied(_("Only the cadre who owns the measure marks it done."))
    ensure_own_cadre(by, measure.owner)
    if measure.done_at is not None:
        raise ValidationError(_("This measure is already done."))
    if on > timezone.localdate() or on < measure.created_at.date():
        raise ValidationError({"on": _("The date must be between the day it was assigned and today.")})
    measure.done_at = on
    if (note or "").strip():
        measure.note = note.strip()[:300]
    measure.save(update_fields=["done_at", "note"])
    household = measure.flag.household
    audit.record(
        actor=by,
        action="risk_measure_done",
        target=measure,
        scope=household.village.code,
        details={"household": household.number, "measure": measure.kind.name, "done on": str(on)},
    )
    return measure


@transaction.atomic
def flag_close(*, flag: RiskFlag, by) -> RiskFlag:
    """A township administrator closes the risk: it is answered (or was not one)."""
    flag = _locked_flag(flag)
    ensure_manages(by, flag.household.village)
    _ensure_open(flag)
    flag.status = RiskFlag.Status.CLOSED
    flag.closed_at = timezone.now()
    flag.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=by,
        action="risk_flag_close",
        target=flag,
        scope=flag.household.village.code,
        details={"household": flag.household.number},
    )
    return flag
