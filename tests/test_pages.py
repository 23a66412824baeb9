import re

import pytest
from django.test import Client
from django.urls import include, path

from tests.conftest import ACME_HOST, login_client


def _boom(request):
    raise RuntimeError("secret internals")


urlpatterns = [path("boom/", _boom), path("", include("prm.urls"))]
handler500 = "prm.portal.errors.server_error"


def test_unknown_page_shows_the_portal_404(db):
    response = login_client(ACME_HOST, "bob@northwind.example").get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "Back to your home page" in page


@pytest.mark.urls("tests.test_pages")
def test_a_crash_shows_the_500_page_without_details(db):
    client = Client(HTTP_HOST=ACME_HOST, raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"secret internals" not in response.content


def test_every_asset_of_the_page_is_served_by_the_app_not_a_cdn(db):
    client = Client(HTTP_HOST=ACME_HOST)
    page = client.get("/login/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any("bootstrap.min.css" in a for a in assets)
    assert any("htmx" in a for a in assets)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # nothing from elsewhere
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        b"".join(response.streaming_content)
        response.close()


def test_pages_send_a_content_security_policy_and_templates_hold_no_inline_script(db):
    import re
    from pathlib import Path

    from django.conf import settings

    response = Client(HTTP_HOST="acme.localhost").get("/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=", re.IGNORECASE)
    offenders = [
        str(path)
        for path in (Path(settings.BASE_DIR) / "portal_templates").rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert offenders == []
