"""Writing the voter roll: the import of a village's roll file, all rows or none."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal import audit, permissions
from portal.models import Household, Resident, Village
from portal.roll_import import ParsedRoll, RollError, RollRow, parse_roll

# IDs asked about per query: well under SQLite's limit on a statement's parameters, whatever the build.
LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class RollImportResult:
    """What an import did: the counts when it succeeded, otherwise every problem and nothing written."""

    residents_created: int = 0
    households_created: int = 0
    left_out: int = 0  # readable rows not for the voter roll (under 18)
    errors: list[RollError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def roll_preview(
    *, village: Village, content: bytes, by, mapping: Mapping[int, str] | None = None
) -> ParsedRoll:
    """What importing the file would do, and every problem it has, with nothing written.

    The preview the clerk confirms: the rows as read under `mapping` (the one the header suggests when
    None), checked against the roll as an import would check them.
    """
    if by is not None:  # None: the command line, as for `roll_import`
        permissions.ensure(by, permissions.Capability.MANAGE_ROLL, village)
    parsed = parse_roll(content, mapping=mapping)
    parsed.errors = _in_line_order(parsed.errors + roll_conflicts(village=village, rows=parsed.rows))
    return parsed


@transaction.atomic
def roll_import(
    *, village: Village, content: bytes, by, mapping: Mapping[int, str] | None = None
) -> RollImportResult:
    """Add the residents of a CSV or XLSX file to the village's roll, creating households as needed.

    `by` is the account doing it; None means the command line (`manage.py import_roll`), which runs
    with the server's own authority and is recorded in the audit log as "system". `mapping` is the
    column mapping the clerk confirmed on the preview (None: the one the header suggests). When any
    row is wrong, nothing at all is written and the result lists every problem with its line number.
    """
    if by is not None:
        permissions.ensure(by, permissions.Capability.MANAGE_ROLL, village)
    # Two imports into one village at once would both pass the checks below; the second waits here.
    village = Village.objects.select_for_update().get(pk=village.pk)

    parsed = parse_roll(content, mapping=mapping)
    errors = parsed.errors + roll_conflicts(village=village, rows=parsed.rows)
    if errors:
        return RollImportResult(errors=_in_line_order(errors))

    try:
        with transaction.atomic():
            households_created = add_residents(village=village, rows=parsed.rows)
    except IntegrityError:
        # An import into another village committed one of these people after the check above (the
        # village lock serializes imports into one village only); the one-roll index refused the
        # row. Under READ COMMITTED the check now sees that roll and names it like any other.
        errors = roll_conflicts(village=village, rows=parsed.rows)
        if not errors:
            raise
        return RollImportResult(errors=errors)

    result = RollImportResult(
        residents_created=len(parsed.rows),
        households_created=households_created,
        left_out=len(parsed.left_out),
    )
    audit.record(
        actor=by,
        action="roll_import",
        target=village,
        details={"residents": result.residents_created, "households": result.households_created},
    )
    return result


def _in_line_order(errors: list[RollError]) -> list[RollError]:
    return sorted(errors, key=lambda error: error.line or 0)


def roll_conflicts(*, village: Village, rows: list[RollRow]) -> list[RollError]:
    """The rows that would list a person twice: on this village's roll, or on another village's.

    One person, one roll (see `Resident`): a person is on a village's roll while an active resident of
    it. An active resident of another village blocks the row, and the message names that village so
    the clerk knows whom to ask; an inactive one (moved away, died) does not, so a person who moved
    is added here while the old village keeps its row as history. Within this village any existing
    row blocks, active or not, as the (village, ID hash) constraint requires.
    """
    errors = []
    # A village has a few thousand residents at most: one query for the whole roll's hashes.
    here = set(Resident.objects.in_village(village).values_list("id_hash", flat=True))
    by_hash = {row.id_number.keyed_hash: row for row in rows}
    for id_hash, row in by_hash.items():
        if id_hash in here:
            message = _("This ID number is already on the village's roll; it was not added again.")
            errors.append(RollError(row.line, message))
    hashes = list(by_hash)
    elsewhere = Resident.objects.on_roll().exclude(village=village).select_related("village").order_by()
    for start in range(0, len(hashes), LOOKUP_CHUNK):
        for resident in elsewhere.filter(id_hash__in=hashes[start : start + LOOKUP_CHUNK]):
            message = _(
                "This person is already on the roll of %(village)s (%(code)s); a person is on one "
                "village's roll at a time. Remove the row, or have them taken off that roll first."
            )
            place = {"village": resident.village.name, "code": resident.village.code}
            errors.append(RollError(by_hash[resident.id_hash].line, message % place))
    return sorted(errors, key=lambda error: error.line or 0)


def add_residents(*, village: Village, rows: list[RollRow]) -> int:
    """Write validated rows to the roll, creating the households they name; returns new households.

    The writing half of an import, also used by the demo data. Validation, permission and the audit
    entry are the caller's.
    """
    known = set(Household.objects.filter(village=village).values_list("number", flat=True))
    new_numbers = sorted({row.household for row in rows} - known)
    # A household known by its head's name takes the head's Uyghur name as its Uyghur label.
    heads_ug = {row.household: row.name_ug for row in rows if row.name_ug and row.name == row.household}
    Household.objects.bulk_create(
        Household(village=village, number=number, name_ug=heads_ug.get(number, "")) for number in new_numbers
    )
    households = dict(Household.objects.filter(village=village).values_list("number", "pk"))
    Resident.objects.bulk_create(
        (
            Resident(
                village=village,
                household_id=households[row.household],
                name=row.name,
                name_ug=row.name_ug,
                gender=row.gender,
                birth_year=row.birth_year,
                id_hash=row.id_number.keyed_hash,
                id_last4=row.id_number.last4,
                party_member=row.party_member,
                representative=row.representative,
            )
            for row in rows
        ),
        batch_size=500,
    )
    return len(new_numbers)
