from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ratings.bundle.manifest import BundleRefused
from ratings.bundle.services import exported_bundle_check, refusal_message


class Command(BaseCommand):
    help = (
        "On the laptop that exported it: check a meeting bundle's signature and members, and that the audit "
        "log still holds the entry the bundle pinned when it was sealed; exit 0 only when all hold."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FILE")

    def handle(self, *args, file, **options):
        try:
            if file.stat().st_size > settings.BUNDLE_MAX_BYTES:
                raise CommandError(f"{file} is larger than a bundle may be.")
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        with translation.override("en"):
            try:
                anchor, report = exported_bundle_check(data=data)
            except BundleRefused as refusal:
                raise CommandError(f"Not a bundle of this installation: {refusal_message(refusal)}") from None
        for problem in report.problems:
            where = f"entry #{problem.entry.seq}" if problem.entry else "the end of the chain"
            self.stderr.write(f"Chain {problem.chain_name}: broken at {where}: {problem.reason}.")
        pinned = f"{anchor['chain']}:{anchor['seq']}:{anchor['hash']}"
        if not report.intact or not report.anchors:
            raise CommandError(f"The audit log no longer holds what the bundle pinned ({pinned}).")
        self.stdout.write(self.style.SUCCESS(f"Bundle intact; the audit log still holds {pinned}."))
