from django.core.management.base import BaseCommand, CommandError

from portal.audit import parse_anchor, verify_chain


class Command(BaseCommand):
    help = (
        "Recompute every chain of the audit log with the key (PORTAL_AUDIT_KEY) and check it against the "
        "heads the county chain recorded and any --anchor given; exit 0 only when all hold."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="CHAIN:NUMBER:HASH",
            help="A head copied from a printed notice or from results.json (e.g. 653121100201:57:9f3a…, or "
            "county:1234:…): that chain must still hold that entry. May be given several times.",
        )

    def handle(self, *args, **options):
        try:
            anchors = [parse_anchor(text) for text in options["anchor"]]
        except ValueError as error:
            raise CommandError(f"Not an anchor (CHAIN:NUMBER:HASH): {error}") from error
        report = verify_chain(anchors=anchors)
        for problem in report.problems:
            entry = problem.entry
            where = (
                f"entry #{entry.seq} ({entry.action}, {entry.created_at:%Y-%m-%d %H:%M:%S})"
                if entry
                else "the end of the chain"
            )
            self.stderr.write(f"Chain {problem.chain_name}: broken at {where}: {problem.reason}.")
        summary = f"{report.checked} entries in {report.chains} chains, {report.anchors} anchors matched"
        if not report.intact:
            raise CommandError(f"Audit log broken ({len(report.problems)} problems); intact: {summary}.")
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {summary}."))
