"""Outbound calls a vendor admin configures (webhooks) may reach only the public internet:
https (plain http only with ``WORKFLOW_WEBHOOKS_ALLOW_HTTP``), never a loopback, private,
link-local, multicast or reserved address (unless ``WORKFLOW_WEBHOOKS_ALLOW_PRIVATE``, for
development and tests). The name is resolved once, every address it resolves to is
checked, the connection goes to a checked address and the address actually connected to
is checked again, so a second resolution (DNS rebinding) cannot redirect the call.
Redirects are not followed, no proxy is used, timeouts are short and the response is read
up to a cap."""

from __future__ import annotations

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

CONNECT_TIMEOUT = 5.0  # seconds, per connection attempt and per read
MAX_RESPONSE_BYTES = 64 * 1024  # what is read of an answer (only its status matters)
NOT_DELIVERED = "The webhook could not be delivered."  # all the run shows of a failure


class Refused(OSError):
    """The destination is not allowed (the detail is for the server log only)."""


def allow_http() -> bool:
    return bool(getattr(settings, "WORKFLOW_WEBHOOKS_ALLOW_HTTP", False))


def allow_private() -> bool:
    return bool(getattr(settings, "WORKFLOW_WEBHOOKS_ALLOW_PRIVATE", False))


def address_allowed(address: str) -> bool:
    """Is ``address`` (an IP literal) a public unicast address?"""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            ip = mapped
        elif ip.teredo:
            ip = ip.teredo[1]
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]").split("%", 1)[0]))
    except ValueError:
        return None


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a webhook's (when it is saved), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises on a bad port
    except ValueError:
        return "the webhook url is not a valid URL."
    schemes = {"https", "http"} if allow_http() else {"https"}
    if parts.scheme not in schemes or not parts.hostname:
        return "the webhook url must start with https://."
    if allow_private():
        return None
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "the webhook url must be a public address."
    literal = _literal(host)
    if literal is not None and not address_allowed(literal):
        return "the webhook url must be a public address."
    if literal is None and host.replace(".", "").isdigit():  # 2130706433, 127.1
        return "the webhook url must be a public address."
    return None


def guarded_connection(
    address: tuple[str, int], timeout: float | None = None, source_address=None, **_
) -> socket.socket:
    """``socket.create_connection`` that connects only to allowed addresses."""
    host, port = address
    private_ok = allow_private()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Refused(f"{host!r} does not resolve: {exc}") from exc
    if not private_ok:
        refused = [str(i[4][0]) for i in infos if not address_allowed(str(i[4][0]))]
        if refused:
            raise Refused(f"{host!r} resolves to a refused address {refused[0]}")
    error: OSError = Refused(f"{host!r} has no address")
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)  # the checked address, not a new resolution
            peer = str(sock.getpeername()[0])
            if not private_ok and not address_allowed(peer):
                raise Refused(f"{host!r} connected to a refused address {peer}")
            return sock
        except Refused:
            sock.close()
            raise
        except OSError as exc:
            sock.close()
            error = exc
    raise error


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = guarded_connection


@dataclass
class Answer:
    status: int


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = CONNECT_TIMEOUT):
    """POST ``body`` to ``url`` through the guard; the answer's status (redirects are not
    followed: a 3xx is returned as it is). Raises ``Refused`` or another ``OSError``."""
    parts = urlsplit(url)
    if parts.scheme not in ({"https", "http"} if allow_http() else {"https"}):
        raise Refused(f"scheme {parts.scheme!r} is not allowed")
    if not parts.hostname:
        raise Refused("no host")
    connection_class = _HTTPSConnection if parts.scheme == "https" else _HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return Answer(status=response.status)
    finally:
        connection.close()
