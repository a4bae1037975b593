"""Say where villagers' phones reach this server at the venue: `make run` prints it before serving.

    manage.py phone_addresses --host 0.0.0.0 --port 8000

Phones on the laptop's own Wi-Fi hotspot reach it by the laptop's address on that network, and only
when the server listens on every network (`make run HOST=0.0.0.0`), not on 127.0.0.1 alone. The slips'
QR codes carry that address (PORTAL_PHONE_BASE_URL, or the address the clerk opened the slips page by);
docs/phones.md says how to set it all up.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from ratings.ballot.venue import local_addresses

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Command(BaseCommand):
    help = "Print the addresses villagers' phones can reach this server by at the venue."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="The address the server listens on.")
        parser.add_argument("--port", default="8000", help="The port the server listens on.")
        parser.add_argument(
            "--hosts", action="store_true", help="Print the addresses alone, comma-separated."
        )

    def handle(self, *args, host, port, hosts, **options):
        write = self.stdout.write
        addresses = local_addresses()
        if hosts:
            write(",".join(addresses))
            return
        write(f"Voting terminals and the clerk: http://127.0.0.1:{port}/ on this machine.")
        if host in LOOPBACK:
            write(
                "Villagers' phones cannot reach this server: it listens on this machine only. For phones, "
                "start it with `make run HOST=0.0.0.0` (docs/phones.md)."
            )
            return
        if not addresses:
            write("No network found: turn on this laptop's Wi-Fi hotspot, then start the server again.")
            return
        for address in addresses:
            write(f"Phones and terminals on this machine's Wi-Fi: http://{address}:{port}/")
        base = settings.PHONE_BASE_URL or f"http://{addresses[0]}:{port}"
        write(
            f"Slips' QR codes will open the phone ballot at {base} "
            + (
                "(PORTAL_PHONE_BASE_URL)."
                if settings.PHONE_BASE_URL
                else "when the clerk prints them from a browser opened at that address, "
                "or set PORTAL_PHONE_BASE_URL in var/local.env."
            )
        )
