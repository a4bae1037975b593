from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from meetings.models import Meeting
from portal.signing import SigningKeyError
from ratings.bundle.services import meeting_export


class Command(BaseCommand):
    help = (
        "Write a meeting's sealed bundle for the county: one zip whose manifest of SHA-256 digests is signed "
        "with this installation's key (docs/venue-to-county.md). Acts with the server's authority; audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--meeting", required=True, type=int, metavar="ID")
        parser.add_argument("--out", type=Path, metavar="FILE", help="Where to write it (default: its name).")

    def handle(self, *args, meeting, out, **options):
        found = Meeting.objects.select_related("village").filter(pk=meeting).first()
        if found is None:
            raise CommandError(f"There is no meeting {meeting}.")
        try:
            name, data = meeting_export(meeting=found, by=None)
        except SigningKeyError as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        path = out or Path(name)
        path.write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"Wrote {path} ({len(data)} bytes)."))
