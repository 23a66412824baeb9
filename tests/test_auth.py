from django.core import mail
from django.test import Client

from prm.demo import PASSWORD
from prm.users.lockout import locked_message
from tests.conftest import ACME_HOST, login_client


def api_login(host: str, email: str, password: str, **headers: str):
    return Client(HTTP_HOST=host, headers=headers).post(
        "/api/v1/auth/token/",
        {"email": email, "password": password},
        content_type="application/json",
    )


def test_vendor_admin_logs_in_and_sees_the_program_overview(db):
    client = login_client(ACME_HOST, "admin@acme.example")
    page = client.get("/").content.decode()
    assert "Program overview" in page
    assert "Vendor admin" in page


def test_partner_user_logs_in_and_sees_the_partner_home(db):
    client = login_client(ACME_HOST, "bob@northwind.example")
    page = client.get("/").content.decode()
    assert "Your contact at Acme" in page
    assert "Program overview" not in page


def test_login_is_case_insensitive_on_the_email(db):
    client = Client(HTTP_HOST=ACME_HOST)
    response = client.post("/login/", {"username": "Admin@ACME.example", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").wsgi_request.user.email == "admin@acme.example"


def test_wrong_password_and_unknown_email_get_the_same_message(db):
    client = Client(HTTP_HOST=ACME_HOST)
    wrong_password = client.post(
        "/login/", {"username": "admin@acme.example", "password": "nope"}
    ).content
    unknown_email = client.post(
        "/login/", {"username": "ghost@acme.example", "password": "nope"}
    ).content
    message = b"That e-mail and password do not match an account of this portal."
    assert message in wrong_password
    assert message in unknown_email


def test_home_requires_login(db):
    response = Client(HTTP_HOST=ACME_HOST).get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_logout_ends_the_session(db):
    client = login_client(ACME_HOST, "admin@acme.example")
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_logout_needs_the_csrf_token_in_the_browser(db):
    client = Client(HTTP_HOST=ACME_HOST, enforce_csrf_checks=True)
    client.get("/login/")
    response = client.post(
        "/login/", {"username": "admin@acme.example", "password": "demo-pass-123"}
    )
    assert response.status_code == 403  # no CSRF token sent


def test_password_reset_mails_a_link_that_sets_a_new_password(db):
    client = Client(HTTP_HOST=ACME_HOST)
    response = client.post("/password-reset/", {"email": "bob@northwind.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/password-reset/" in line)
    assert link.startswith(f"http://{ACME_HOST}/password-reset/")
    form = client.get(link.removeprefix(f"http://{ACME_HOST}"), follow=True)
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "A-new-secret-77", "new_password2": "A-new-secret-77"}
    )
    assert done.status_code == 302
    login = Client(HTTP_HOST=ACME_HOST).post(
        "/login/", {"username": "bob@northwind.example", "password": "A-new-secret-77"}
    )
    assert login.status_code == 302


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(db):
    response = Client(HTTP_HOST=ACME_HOST).post("/password-reset/", {"email": "ghost@acme.example"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_navigation_follows_the_role(db):
    admin_page = login_client(ACME_HOST, "admin@acme.example").get("/").content.decode()
    cam_page = login_client(ACME_HOST, "cam@acme.example").get("/").content.decode()
    assert 'href="/api/docs/"' in admin_page
    assert 'href="/api/docs/"' not in cam_page.split("<main")[0]


def test_creating_an_api_token_from_the_home_page_shows_it_once(db):
    client = login_client(ACME_HOST, "cam@acme.example")
    response = client.post("/api-token/", HTTP_HX_REQUEST="true")
    token = response.content.decode().split('data-testid="new-token">')[1].split("<")[0]
    me = Client(HTTP_HOST=ACME_HOST, HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/")
    assert me.json()["email"] == "cam@acme.example"


def test_only_the_most_specific_navigation_item_is_active(db):
    page = login_client(ACME_HOST, "cam@acme.example").get("/partners/search/").content.decode()
    nav = page.split("<main")[0]
    assert nav.count('aria-current="page"') == 1
    assert 'href="/partners/search/" class="nav-link text-white active"' in nav


def test_password_guessing_is_throttled_in_the_browser(db):
    client = Client(HTTP_HOST=ACME_HOST)
    for _ in range(8):
        client.post("/login/", {"username": "admin@acme.example", "password": "guess"})
    response = client.post(
        "/login/", {"username": "admin@acme.example", "password": "demo-pass-123"}
    )
    assert response.status_code == 200  # even the right password waits now
    assert locked_message() in response.content.decode()
    assert "Too many failed sign-in attempts. Try again in 10 minutes" in locked_message()


def test_password_guessing_is_throttled_on_the_api(db):
    answers = [api_login(ACME_HOST, "admin@acme.example", "guess") for _ in range(9)]
    assert [a.status_code for a in answers[:8]] == [401] * 8
    assert answers[-1].status_code == 429
    assert answers[-1].json() == {"code": "throttled", "detail": locked_message(), "fields": {}}
    assert api_login(ACME_HOST, "admin@acme.example", PASSWORD).status_code == 429
