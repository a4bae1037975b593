from django.core.management.base import BaseCommand, CommandError

from portal.audit import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; exit 0 only when it is intact."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.intact:
            entry = report.first_broken
            where = (
                f"entry #{entry.seq} ({entry.action}, {entry.created_at:%Y-%m-%d %H:%M:%S})"
                if entry
                else "the end of the log"
            )
            raise CommandError(
                f"Audit log broken at {where}: {report.reason}. "
                f"{report.checked} entries before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {report.checked} entries."))
