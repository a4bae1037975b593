"""Writing the voter roll: the import of a village's roll file, all rows or none."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit, permissions
from portal.models import Household, Resident, Village
from portal.roll_import import RollError, RollRow, parse_roll


@dataclass(frozen=True)
class RollImportResult:
    """What an import did: the counts when it succeeded, otherwise every problem and nothing written."""

    residents_created: int = 0
    households_created: int = 0
    errors: list[RollError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@transaction.atomic
def roll_import(*, village: Village, content: bytes, by) -> RollImportResult:
    """Add the residents of a CSV or XLSX file to the village's roll, creating households as needed.

    `by` is the account doing it; None means the command line (`manage.py import_roll`), which runs
    with the server's own authority and is recorded in the audit log as "system". When any row is
    wrong, nothing at all is written and the result lists every problem with its line number.
    """
    if by is not None:
        permissions.ensure(by, permissions.Capability.MANAGE_ROLL, village)
    # Two imports into one village at once would both pass the checks below; the second waits here.
    village = Village.objects.select_for_update().get(pk=village.pk)

    parsed = parse_roll(content)
    errors = list(parsed.errors)
    # A village has a few thousand residents at most: one query for the whole roll's hashes.
    on_roll = set(Resident.objects.in_village(village).values_list("id_hash", flat=True))
    for row in parsed.rows:
        if row.id_number.keyed_hash in on_roll:
            errors.append(
                RollError(
                    row.line, _("This ID number is already on the village's roll; it was not added again.")
                )
            )
    if errors:
        errors.sort(key=lambda error: error.line or 0)
        return RollImportResult(errors=errors)

    households_created = add_residents(village=village, rows=parsed.rows)
    result = RollImportResult(residents_created=len(parsed.rows), households_created=households_created)
    audit.record(
        actor=by,
        action="roll_import",
        target=village,
        details={"residents": result.residents_created, "households": result.households_created},
    )
    return result


def add_residents(*, village: Village, rows: list[RollRow]) -> int:
    """Write validated rows to the roll, creating the households they name; returns new households.

    The writing half of an import, also used by the demo data. Validation, permission and the audit
    entry are the caller's.
    """
    known = set(Household.objects.filter(village=village).values_list("number", flat=True))
    new_numbers = sorted({row.household for row in rows} - known)
    Household.objects.bulk_create(Household(village=village, number=number) for number in new_numbers)
    households = dict(Household.objects.filter(village=village).values_list("number", "pk"))
    Resident.objects.bulk_create(
        (
            Resident(
                village=village,
                household_id=households[row.household],
                name=row.name,
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
