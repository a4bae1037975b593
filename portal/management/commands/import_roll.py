from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal.models import Village
from portal.roll_import import too_large_message
from portal.services.roll import roll_import


class Command(BaseCommand):
    help = (
        "Import a village's voter roll from a CSV or XLSX file, all rows or none. "
        "Every bad row is listed with its line number; the exit status is non-zero when any row failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--village", required=True, metavar="CODE", help="The village's 12-digit code.")
        parser.add_argument("file", type=Path, metavar="FILE", help="The roll file (.csv or .xlsx).")

    def handle(self, *args, village, file, **options):
        place = Village.objects.filter(code=village).first()
        if place is None:
            raise CommandError(f"There is no village with the code {village}.")
        try:
            if file.stat().st_size > settings.ROLL_IMPORT_MAX_BYTES:
                raise CommandError(too_large_message())
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None

        result = roll_import(village=place, content=content, by=None)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"Nothing was imported into {place}: {len(result.errors)} problem(s) in {file.name}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.residents_created} resident(s) and created "
                f"{result.households_created} household(s) in {place}."
            )
        )
