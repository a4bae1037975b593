from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from meetings.models import Meeting
from ratings.ballot import codes, services
from ratings.models import CodeBatch


class Command(BaseCommand):
    help = (
        "Issue new ballot codes for a meeting to pre-print, and print them one per line (7KQ2M-W9D4H). "
        "They are stored only as keyed hashes: this is the only time they can be read. "
        "The meeting must be announced or voting."
    )

    def add_arguments(self, parser):
        parser.add_argument("--meeting", required=True, type=int, metavar="ID", help="The meeting's id.")
        parser.add_argument(
            "--count",
            required=True,
            type=int,
            metavar="N",
            help=f"How many codes, 1 to {services.MAX_BATCH}.",
        )
        parser.add_argument(
            "--purpose",
            required=True,
            choices=CodeBatch.Purpose.values,
            help="What the codes are for: slips for the sign-in desk (each written in the poll book when "
            "handed out), or the township panel (up to the meeting's panel seats).",
        )
        parser.add_argument("--note", default="", help="A note kept with the batch and in the audit log.")

    def handle(self, *args, meeting, count, purpose, note, **options):
        found = Meeting.objects.filter(pk=meeting).select_related("village").first()
        if found is None:
            raise CommandError(f"There is no meeting with the id {meeting}.")
        if not 1 <= count <= services.MAX_BATCH:
            raise CommandError(f"--count must be between 1 and {services.MAX_BATCH}, not {count}.")
        try:
            issued = services.codes_issue_batch(
                meeting=found, count=count, purpose=purpose, note=note, by=None
            )
        except ValidationError as error:
            raise CommandError(f"{found}: {' '.join(error.messages)}") from None
        # Codes alone on stdout, so that it can be piped into a printing tool; the note on stderr.
        for code in issued:
            self.stdout.write(codes.display(code))
        self.stderr.write(f"{len(issued)} code(s) issued for {found} (status {found.get_status_display()}).")
