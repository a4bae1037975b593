from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ratings.bundle.services import meeting_import


class Command(BaseCommand):
    help = (
        "Verify a meeting bundle against its village's registered key and import it, all or nothing; the "
        "same bundle twice changes nothing. With --user, only for a village that account administers."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--user", metavar="USERNAME", help="Import as this account (its villages only).")

    def handle(self, *args, file, user, **options):
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"There is no account {user}.")
        try:
            if file.stat().st_size > settings.BUNDLE_MAX_BYTES:
                raise CommandError(f"{file} is larger than a bundle may be.")
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        with translation.override("en"):
            try:
                outcome = meeting_import(data=data, by=by)
            except ValidationError as error:
                raise CommandError(f"Refused, nothing imported: {' '.join(error.messages)}") from None
        if outcome.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported version {outcome.version} of {outcome.meeting} (id {outcome.meeting.pk})."
                )
            )
        else:
            self.stdout.write(
                f"Version {outcome.version} of {outcome.meeting} was already imported: nothing changed."
            )
