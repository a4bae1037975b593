from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.models import Village
from portal.roll_import import FIELDS, RollFileError, read_header, too_large_message
from portal.services.roll import roll_import, roll_preview


class Command(BaseCommand):
    help = (
        "Import a village's voter roll from a CSV or XLSX file, all rows or none. "
        "Every bad row is listed with its line number; the exit status is non-zero when any row failed. "
        "Run with --check first to see how the file is read."
    )

    def add_arguments(self, parser):
        parser.add_argument("--village", required=True, metavar="CODE", help="The village's 12-digit code.")
        parser.add_argument("file", type=Path, metavar="FILE", help="The roll file (.csv or .xlsx).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Show the header row found, what each column holds and every problem; write nothing.",
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="LETTER=FIELD",
            help=(
                "What a column holds, where its header does not say it or says it wrongly, e.g. "
                f"--column H=id_number; FIELD is one of {', '.join(FIELDS)}, or 'none' (not imported)."
            ),
        )

    def handle(self, *args, village, file, check, column, **options):
        place = Village.objects.filter(code=village).first()
        if place is None:
            raise CommandError(f"There is no village with the code {village}.")
        try:
            if file.stat().st_size > settings.ROLL_IMPORT_MAX_BYTES:
                raise CommandError(too_large_message())
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        mapping = self._mapping(content, column) if column else None

        if check:
            self._show(roll_preview(village=place, content=content, by=None, mapping=mapping))
            return
        result = roll_import(village=place, content=content, by=None, mapping=mapping)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Nothing was imported into {place}: {len(result.errors)} problem(s) in {file.name}."
            )
        left_out = f" {result.left_out} person(s) under 18 were left out." if result.left_out else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.residents_created} resident(s) and created "
                f"{result.households_created} household(s) in {place}.{left_out}"
            )
        )

    def _mapping(self, content: bytes, corrections: list[str]) -> dict[int, str]:
        try:
            header = read_header(content)
        except RollFileError as error:
            raise CommandError(str(error)) from None
        mapping = header.guessed_mapping()
        letters = {item.letter: item.index for item in header.columns}
        for correction in corrections:
            letter, _, field = correction.partition("=")
            field = "" if field.strip().lower() == "none" else field.strip()
            if letter.strip().upper() not in letters or (field and field not in FIELDS):
                raise CommandError(
                    f"--column {correction}: expected a column letter of the header "
                    f"({', '.join(letters)}) = one of {', '.join(FIELDS)} or none."
                )
            mapping[letters[letter.strip().upper()]] = field
        return mapping

    def _show(self, parsed) -> None:
        if parsed.header is not None:
            self.stdout.write(f"Header on line {parsed.header.line}:")
            for item in parsed.header.columns:
                holds = parsed.mapping.get(item.index) or "(not imported)"
                self.stdout.write(f"  {item.letter}  {item.header}  ->  {holds}")
        for result in parsed.sample:
            row = result.row
            if row is not None:
                self.stdout.write(
                    f"  line {row.line}: {row.household} | {row.name} | {row.gender} | {row.birth_year} | "
                    f"…{row.id_number.last4} | party {'yes' if row.party_member else 'no'} | "
                    f"representative {'yes' if row.representative else 'no'} {result.left_out}".rstrip()
                )
        for error in parsed.errors:
            self.stderr.write(str(error))
        summary = (
            f"{len(parsed.rows)} resident(s) in {parsed.households} household(s) would be imported; "
            f"{len(parsed.left_out)} under 18 left out; {len(parsed.errors)} problem(s). Nothing was written."
        )
        self.stdout.write(summary)
