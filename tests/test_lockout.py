"""Against password guessing (prm/users/lockout.py): one lockout for the sign-in form, the
token API and the operator's admin, counting failures per account and per client address."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.test import Client, RequestFactory
from django.utils import timezone

from prm.demo import OPERATOR, PASSWORD
from prm.users.lockout import client_ip, locked_message
from prm.users.models import User
from tests.conftest import ACME_HOST, GLOBEX_HOST
from tests.test_auth import api_login


def browser_login(host: str, email: str, password: str, **headers: str):
    return Client(HTTP_HOST=host, headers=headers).post(
        "/login/", {"username": email, "password": password}
    )


def locked(response) -> bool:
    if response["Content-Type"].startswith("application/json"):
        return response.status_code == 429 and response.json()["detail"] == locked_message()
    return response.status_code == 200 and locked_message() in response.content.decode()


def test_a_spoofed_x_forwarded_for_does_not_reset_the_count(db):
    # 20 wrong passwords for 20 different accounts from "20 addresses": with no trusted
    # proxy they are all REMOTE_ADDR's, which is then locked, right password or not.
    for n in range(20):
        answer = api_login(
            ACME_HOST, f"guess{n}@acme.example", "guess", x_forwarded_for=f"203.0.113.{n}"
        )
        assert answer.status_code == 401
    answer = api_login(ACME_HOST, "admin@acme.example", PASSWORD, x_forwarded_for="198.51.100.7")
    assert locked(answer)
    assert locked(browser_login(ACME_HOST, "admin@acme.example", PASSWORD))


def test_with_one_trusted_proxy_the_right_most_forwarded_address_is_the_client(db, settings):
    factory = RequestFactory()
    forwarded = factory.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9"
    )
    assert client_ip(forwarded) == "10.0.0.2"  # 0 trusted proxies: the header is ignored
    settings.PRM_TRUSTED_PROXIES = 1
    assert client_ip(forwarded) == "203.0.113.9"
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
    settings.PRM_TRUSTED_PROXIES = 2
    assert client_ip(forwarded) == "1.1.1.1"

    settings.PRM_TRUSTED_PROXIES = 1
    for n in range(20):  # behind the proxy, REMOTE_ADDR is the proxy's for everyone
        api_login(
            ACME_HOST, f"guess{n}@acme.example", "guess", x_forwarded_for=f"9.9.9.{n}, 6.6.6.6"
        )
    # The guesser's address is locked whatever it puts left of the proxy's entry ...
    assert locked(
        api_login(ACME_HOST, "admin@acme.example", PASSWORD, x_forwarded_for="7.7.7.7, 6.6.6.6")
    )
    # ... and everyone else behind the same proxy still signs in.
    assert (
        api_login(
            ACME_HOST, "admin@acme.example", PASSWORD, x_forwarded_for="6.6.6.6, 192.0.2.1"
        ).status_code
        == 200
    )
    assert browser_login(ACME_HOST, "cam@acme.example", PASSWORD).status_code == 302


def test_upper_and_lower_case_e_mail_count_as_one_account(db):
    spellings = ["admin@acme.example", "Admin@ACME.example", " ADMIN@acme.example "]
    for n in range(8):
        if n % 2:
            browser_login(ACME_HOST, spellings[n % 3], "guess")
        else:
            api_login(ACME_HOST, spellings[n % 3], "guess")
    assert locked(browser_login(ACME_HOST, "AdMiN@Acme.Example", PASSWORD))
    assert locked(api_login(ACME_HOST, "admin@acme.example", PASSWORD))
    # another account from the same address is not locked
    assert browser_login(ACME_HOST, "cam@acme.example", PASSWORD).status_code == 302


def test_successful_sign_ins_do_not_count(db):
    for _ in range(12):
        assert browser_login(ACME_HOST, "admin@acme.example", PASSWORD).status_code == 302
        assert api_login(ACME_HOST, "admin@acme.example", PASSWORD).status_code == 200
    for _ in range(7):
        browser_login(ACME_HOST, "admin@acme.example", "guess")
    assert browser_login(ACME_HOST, "admin@acme.example", PASSWORD).status_code == 302


def test_the_operator_admin_login_is_limited(db):
    client = Client(HTTP_HOST="localhost")
    for _ in range(8):
        answer = client.post("/admin/login/", {"username": OPERATOR, "password": "guess"})
        assert answer.status_code == 200 and locked_message() not in answer.content.decode()
    answer = client.post(
        "/admin/login/", {"username": OPERATOR.upper(), "password": PASSWORD, "next": "/admin/"}
    )
    assert locked(answer)
    answer = client.post(
        "/admin/login/", {"username": OPERATOR, "password": PASSWORD, "next": "/admin/"}
    )
    assert locked(answer)


def test_the_account_lock_lasts_until_the_cool_off(db):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(8):
            api_login(ACME_HOST, "admin@acme.example", "guess")
        traveller.shift(timedelta(seconds=590))
        assert locked(browser_login(ACME_HOST, "admin@acme.example", PASSWORD))
        assert locked(api_login(ACME_HOST, "admin@acme.example", PASSWORD))
        # the refused attempts above did not prolong the lock
        traveller.shift(timedelta(seconds=11))
        assert browser_login(ACME_HOST, "admin@acme.example", PASSWORD).status_code == 302
        assert api_login(ACME_HOST, "admin@acme.example", PASSWORD).status_code == 200


def test_the_cool_off_and_limits_follow_the_settings(db, settings):
    settings.PRM_LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.PRM_LOGIN_COOLOFF_SECONDS = 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(3):
            browser_login(ACME_HOST, "admin@acme.example", "guess")
        answer = api_login(ACME_HOST, "admin@acme.example", PASSWORD)
        assert locked(answer) and "Try again in 1 minute," in locked_message()
        traveller.shift(timedelta(seconds=61))
        assert api_login(ACME_HOST, "admin@acme.example", PASSWORD).status_code == 200


def test_a_password_reset_unlocks_the_account(db):
    for _ in range(8):
        browser_login(ACME_HOST, "bob@northwind.example", "guess")
    assert locked(browser_login(ACME_HOST, "bob@northwind.example", PASSWORD))
    client = Client(HTTP_HOST=ACME_HOST)
    client.post("/password-reset/", {"email": "bob@northwind.example"})
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    form = client.get(link.removeprefix(f"http://{ACME_HOST}"), follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "A-new-secret-77", "new_password2": "A-new-secret-77"},
    )
    assert done.status_code == 302
    assert browser_login(ACME_HOST, "bob@northwind.example", "A-new-secret-77").status_code == 302


def test_a_lockout_on_one_tenant_does_not_lock_the_same_e_mail_on_another(globex):
    User.objects.create_user("admin@acme.example", PASSWORD)  # the same e-mail at Globex
    for _ in range(8):
        api_login(ACME_HOST, "admin@acme.example", "guess")
    assert locked(api_login(ACME_HOST, "admin@acme.example", PASSWORD))
    assert api_login(GLOBEX_HOST, "admin@acme.example", PASSWORD).status_code == 200
    assert browser_login(GLOBEX_HOST, "admin@acme.example", PASSWORD).status_code == 302
