"""How villagers' phones reach the ballot at the venue: the address printed into each slip's QR code.

At the venue the laptop serves its own Wi-Fi (docs/phones.md); a phone knows it only by the address
the slip's QR code holds. That address is PHONE_BASE_URL when the township set it, or else the address
the operator's browser opened the slips page by, unless that is the laptop's own loopback (127.0.0.1),
which no phone can reach: then the QR code holds the bare code, which the terminals' scanners read.
"""

import ipaddress
import socket
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

# Private destinations only used to ask the system which local address routes to each private range;
# nothing is sent (a UDP socket's connect only picks a route).
PRIVATE_PROBES = ("10.255.255.255", "172.31.255.255", "192.168.255.255")


def _is_loopback(host: str) -> bool:
    host = host[1 : host.find("]")] if host.startswith("[") else host.split(":")[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def phone_base(request) -> str:
    """The scheme and host a phone reaches this server by, or "" when none is known."""
    if settings.PHONE_BASE_URL:
        return settings.PHONE_BASE_URL
    host = request.get_host()
    if _is_loopback(host):
        return ""
    return f"{request.scheme}://{host}"


def phone_address(base: str, meeting, code: str = "") -> str:
    """The address of the meeting's phone ballot, with the code filled in when given."""
    path = reverse("ratings:phone", args=[meeting.pk])
    return f"{base}{path}?{urlencode({'code': code})}" if code else f"{base}{path}"


def local_addresses() -> list[str]:
    """This machine's addresses on its networks (not loopback): where phones on its Wi-Fi find it."""
    found = []
    for probe in PRIVATE_PROBES:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect((probe, 9))
                address = sock.getsockname()[0]
            except OSError:  # no route to that range: no network of that kind here
                continue
        if not ipaddress.ip_address(address).is_loopback and address not in found:
            found.append(address)
    return found
