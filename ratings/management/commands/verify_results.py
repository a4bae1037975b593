from django.core.management.base import BaseCommand, CommandError

from meetings.models import Meeting
from ratings.models import ResultSnapshot
from ratings.results import verify


class Command(BaseCommand):
    help = (
        "Recount published results from the ballots in the database and compare them with what was "
        "published: the seal (SHA-256 of the ballot file kept on the server), counts.csv count by count, "
        "receipts.txt, the number of ballots, every cadre's figures, verdict and rank. Exit 0 only when "
        "everything matches."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--meeting", type=int, metavar="ID", help="Verify this meeting only.")
        which.add_argument(
            "--all", action="store_true", help="Verify every published or final result (the default)."
        )

    def handle(self, *args, meeting, **options):
        snapshots = (
            ResultSnapshot.objects.filter(status__in=ResultSnapshot.LIVE)
            .select_related("meeting__village")
            .order_by("meeting_id")
        )
        if meeting is not None:
            found = Meeting.objects.filter(pk=meeting).select_related("village").first()
            if found is None:
                raise CommandError(f"There is no meeting with the id {meeting}.")
            snapshots = snapshots.filter(meeting=found)
            if not snapshots.exists():
                raise CommandError(
                    f"Meeting {found.pk} ({found.village.name} {found.year}) has no published results "
                    f"(status: {found.status}): nothing to verify."
                )
        checked, failed = 0, []
        for snapshot in snapshots:
            checked += 1
            meeting = snapshot.meeting
            label = f"meeting {meeting.pk} ({meeting.village.name} {meeting.year})"
            problems = verify.recount_differences(snapshot)
            if problems:
                failed.append(label)
                for problem in problems:
                    self.stdout.write(self.style.ERROR(f"MISMATCH {problem}"))
            else:
                self.stdout.write(
                    f"OK {label}: results v{snapshot.version} ({snapshot.status}), "
                    f"{snapshot.ballots} ballots, sealed with SHA-256 {snapshot.ballots_sha256}"
                )
        if failed:
            raise CommandError(
                f"{len(failed)} of {checked} published result(s) do not match the ballots in the database: "
                + "; ".join(failed)
            )
        if not checked:
            self.stdout.write("No published results to verify.")
