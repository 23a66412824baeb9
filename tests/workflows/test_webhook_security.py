"""Webhooks reach only the public internet (no SSRF into the platform's network) and are
signed with each workflow's own secret (Standard Webhooks), which a vendor admin rotates."""

import http.server
import socket
import threading
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from standardwebhooks import Webhook, WebhookVerificationError

from tests.partners.conftest import api_as
from tests.workflows.test_engine import ACTIVE, activate
from workflows import outbound
from workflows.models import RunStatus, WebhookSecret, WorkflowRun
from workflows.services import workflow_save


@pytest.fixture
def strict(settings):
    """Production's rules: https only, public addresses only."""
    settings.WORKFLOW_WEBHOOKS_ALLOW_HTTP = False
    settings.WORKFLOW_WEBHOOKS_ALLOW_PRIVATE = False
    return settings


class Recorder(http.server.BaseHTTPRequestHandler):
    status = 204
    location = ""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(self.status)
        if self.location:
            self.send_header("Location", self.location)
        self.end_headers()

    def log_message(self, *args):
        pass


def serve(handler=Recorder):
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    server.received = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def receiver():
    server = serve()
    yield f"http://127.0.0.1:{server.server_port}/hook", server.received
    server.shutdown()
    server.server_close()


def resolving_to(*addresses):
    """getaddrinfo answering ``addresses`` for any name."""

    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port),
            )
            for a in addresses
        ]

    return mock.patch("socket.getaddrinfo", getaddrinfo)


# --- the address guard ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "10.0.0.5",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "ff02::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "not an address",
    ],
)
def test_the_guard_refuses_non_public_addresses(address):
    assert outbound.address_allowed(address) is False


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_the_guard_allows_public_addresses(address):
    assert outbound.address_allowed(address) is True


@pytest.mark.parametrize(
    "addresses",
    [("127.0.0.1",), ("::1",), ("10.1.2.3",), ("169.254.169.254",), ("224.0.0.1",)],
)
def test_a_name_resolving_to_a_refused_address_is_not_connected_to(strict, addresses):
    with (
        resolving_to(*addresses),
        mock.patch("socket.socket") as sock,
        pytest.raises(outbound.Refused, match="refused address"),
    ):
        outbound.guarded_connection(("hooks.example.com", 443), 5)
    sock.assert_not_called()


def test_one_refused_address_among_public_ones_refuses_the_name(strict):
    with resolving_to("93.184.216.34", "127.0.0.1"), pytest.raises(outbound.Refused):
        outbound.guarded_connection(("hooks.example.com", 443), 5)


def test_the_address_actually_connected_to_is_checked_again(strict):
    """DNS rebinding or a transparent redirect in the network: the peer is loopback though
    the name resolved to a public address."""
    with resolving_to("93.184.216.34"), mock.patch("socket.socket") as sock:
        sock.return_value.getpeername.return_value = ("127.0.0.1", 443)
        with pytest.raises(outbound.Refused, match="connected to a refused address"):
            outbound.guarded_connection(("hooks.example.com", 443), 5)
    sock.return_value.connect.assert_called_once_with(("93.184.216.34", 443))
    sock.return_value.close.assert_called()


def test_the_loopback_receiver_is_refused_without_the_development_setting(strict, receiver):
    url, received = receiver
    with pytest.raises(outbound.Refused):
        outbound.post(url.replace("http://", "https://"), b"{}", {})
    strict.WORKFLOW_WEBHOOKS_ALLOW_HTTP = True
    with pytest.raises(outbound.Refused):
        outbound.post(url, b"{}", {})
    assert received == []


def test_redirects_are_not_followed(settings, receiver):
    target, received = receiver

    class Redirect(Recorder):
        status = 302
        location = target

    server = serve(Redirect)
    try:
        answer = outbound.post(f"http://127.0.0.1:{server.server_port}/", b"{}", {})
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status == 302
    assert len(server.received) == 1 and received == []


# --- validation on save -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must start with https://"),
        ("ftp://hooks.example.com/x", "must start with https://"),
        ("https:///x", "must start with https://"),
        ("https://127.0.0.1:6379/", "public address"),
        ("https://[::1]/", "public address"),
        ("https://10.0.0.8/", "public address"),
        ("https://169.254.169.254/latest/meta-data/", "public address"),
        ("https://localhost/", "public address"),
        ("https://api.localhost/", "public address"),
        ("https://2130706433/", "public address"),
        ("https://224.0.0.1/", "public address"),
    ],
)
def test_a_webhook_url_that_is_not_public_https_is_refused(world, strict, url, message):
    with pytest.raises(ValidationError, match=message):
        workflow_save(
            actor=world.admin,
            name="Probe",
            trigger="partner.status_changed",
            definition={"actions": [{"type": "webhook", "url": url}]},
        )


def test_a_public_https_webhook_url_is_accepted(world, strict):
    workflow = workflow_save(
        actor=world.admin,
        name="CRM",
        trigger="partner.status_changed",
        definition={"actions": [{"type": "webhook", "url": "https://hooks.example.com/prm"}]},
    )
    assert workflow.current.number == 1


# --- the step ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["loopback", "resolves to loopback", "refused", "metadata"])
def test_a_refused_destination_fails_the_step_with_a_neutral_message(
    world, settings, receiver, django_capture_on_commit_callbacks, where
):
    url, received = receiver
    urls = {
        "loopback": url,
        "resolves to loopback": url.replace("127.0.0.1", "hooks.example.com"),
        "refused": "http://127.0.0.1:9/",  # nothing listens: connection refused
        "metadata": "http://169.254.169.254/latest/meta-data/",
    }
    workflow_save(  # saved where the development setting allows it
        actor=world.admin,
        name="Probe",
        trigger="partner.status_changed",
        enabled=True,
        definition={"conditions": ACTIVE, "actions": [{"type": "webhook", "url": urls[where]}]},
    )
    settings.WORKFLOW_WEBHOOKS_ALLOW_PRIVATE = where == "refused"
    with resolving_to("127.0.0.1"):
        activate(world, django_capture_on_commit_callbacks)
    run = WorkflowRun.objects.get(workflow__name="Probe")
    step = run.steps.get()
    assert run.status == RunStatus.RUNNING and step.status == "failed"
    assert step.error == "The webhook could not be delivered."
    assert received == []


# --- signatures -------------------------------------------------------------------------


def test_each_workflow_has_its_own_secret_and_a_vendor_admin_rotates_it(
    world, receiver, django_capture_on_commit_callbacks
):
    url, received = receiver
    hook = {"conditions": ACTIVE, "actions": [{"type": "webhook", "url": url}]}
    first = workflow_save(
        actor=world.admin, name="Hook", trigger="partner.status_changed", definition=hook
    )
    other = workflow_save(
        actor=world.admin,
        name="Other hook",
        trigger="partner.enrolled",
        definition={"actions": [{"type": "webhook", "url": url}]},
    )
    before = WebhookSecret.objects.get(workflow=first).secret
    assert before != WebhookSecret.objects.get(workflow=other).secret

    path = f"/api/v1/workflows/{first.pk}/webhook-secret/"
    assert api_as(world.cam_emea).post(path).status_code in {403, 404}
    assert api_as(world.alice).post(path).status_code in {403, 404}
    assert WebhookSecret.objects.get(workflow=first).secret == before
    response = api_as(world.admin).post(path)
    assert response.status_code == 201, response.content
    secret = response.json()["secret"]
    assert secret.startswith("whsec_") and secret != before
    assert WebhookSecret.objects.get(workflow=first).secret == secret
    assert "secret" not in str(api_as(world.admin).get(f"/api/v1/workflows/{first.pk}/").json())

    workflow_save(actor=world.admin, workflow=first, enabled=True)
    activate(world, django_capture_on_commit_callbacks)
    ((headers, body),) = received
    Webhook(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(before).verify(body, headers)
