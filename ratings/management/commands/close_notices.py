import datetime

from django.core.management.base import BaseCommand, CommandError

from ratings.models import ResultSnapshot
from ratings.results import services as results_services


def _label(snapshot: ResultSnapshot) -> str:
    meeting = snapshot.meeting
    return f"meeting {meeting.pk} ({meeting.village.name} {meeting.year}), results v{snapshot.version}"


class Command(BaseCommand):
    help = (
        "Make final the results whose public notice period has ended and whose objections are all "
        "ruled; print one line per meeting made final and one per meeting still waiting, with why. "
        "Meant to run daily from cron: a second run, or two at once, change nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="Act as if today were this day (default: today in the portal's time zone).",
        )

    def handle(self, *args, date, **options):
        today = None
        if date is not None:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be a day written YYYY-MM-DD, not {date!r}.") from None
        finalized, waiting = results_services.notices_close(today=today)
        for snapshot in finalized:
            self.stdout.write(f"Final: {_label(snapshot)}.")
        for snapshot, blockers in waiting:
            # Another run may have made it final between our list and our lock: nothing left to do.
            if ResultSnapshot.objects.filter(pk=snapshot.pk, status=ResultSnapshot.Status.FINAL).exists():
                self.stdout.write(f"Already final: {_label(snapshot)}.")
                continue
            self.stdout.write(f"Waiting: {_label(snapshot)}: {' '.join(blockers)}")
        if not finalized and not waiting:
            self.stdout.write("No notice period has ended: nothing to do.")
