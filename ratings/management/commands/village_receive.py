from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ratings.preparation.services import village_receive


class Command(BaseCommand):
    help = (
        "On a venue laptop: verify a village's preparation file against the county's key "
        "(PORTAL_COUNTY_PUBLIC_KEY) and import it, all or nothing; the same file twice changes nothing. "
        "Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FILE")

    def handle(self, *args, file, **options):
        try:
            if file.stat().st_size > settings.BUNDLE_MAX_BYTES:
                raise CommandError(f"{file} is larger than a preparation file may be.")
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        with translation.override("en"):
            try:
                outcome = village_receive(data=data)
            except ValidationError as error:
                raise CommandError(f"Refused, nothing imported: {' '.join(error.messages)}") from None
        self.stdout.write(
            f"Version {outcome.version}, signed by the county's key, fingerprint {outcome.fingerprint}."
        )
        if not outcome.changed:
            self.stdout.write(f"{outcome.village} was already prepared with this file: nothing changed.")
            return
        for what, count in sorted(outcome.changes.items()):
            self.stdout.write(f"  {what}: {count}")
        self.stdout.write(self.style.SUCCESS(f"{outcome.village} is prepared."))
