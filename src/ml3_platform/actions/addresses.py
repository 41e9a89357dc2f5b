"""Which webhook URLs the platform may call.

A webhook URL is chosen by a user, and the platform calls it from inside the
operator's network, so a URL that names a private, loopback or link-local
address would let a user reach services that only the platform can see
(server-side request forgery). Such URLs are refused when a rule is saved and
again before each delivery, since a name may resolve differently later,
unless the operator allows them (``ML3_WEBHOOK_ALLOW_PRIVATE``).

The check resolves the name itself, and the HTTP client resolves it again
when it connects; a name whose answer changes in between could still slip
through. Pinning the connection to the checked address closes that gap and
is the next step once webhooks need TLS to an address rather than a name.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

SCHEMES = ("https", "http")


class UnsafeWebhook(Exception):
    """The URL may not be called; the message says why."""


def check_webhook(url: str, allow_private: bool, resolve_required: bool) -> None:
    """Raise :class:`UnsafeWebhook` unless ``url`` may be called.

    ``resolve_required`` is false when a rule is saved: a name that does not
    resolve yet is accepted then, and checked again at delivery.
    """
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise UnsafeWebhook(f"webhook {url!r} is not an http(s) URL with a host")
    if allow_private:
        return

    for address in _addresses(parts.hostname, parts.port, resolve_required):
        # "::ffff:127.0.0.1" is loopback too.
        address = getattr(address, "ipv4_mapped", None) or address
        if not address.is_global or address.is_multicast:
            raise UnsafeWebhook(
                f"webhook {url!r} points at the non-public address {address}; "
                "the server refuses private, loopback and link-local addresses "
                "unless ML3_WEBHOOK_ALLOW_PRIVATE is true"
            )


def _addresses(host: str, port: int | None, resolve_required: bool):
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        if resolve_required:
            raise UnsafeWebhook(f"webhook host {host!r} does not resolve") from None
        return []
    # An IPv6 address may carry a zone ("fe80::1%eth0"): drop it to parse.
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
