"""The platform operator's side on the public host: tenants listed and created in the
Django admin through the provisioning service."""

import re

import pytest
from django.test import Client
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_tenants.utils import schema_context

from prm.demo import OPERATOR, PASSWORD
from prm.tenancy.models import Domain, Vendor
from prm.users.models import Role, User


@pytest.fixture
def operator(db):
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/admin/login/", {"username": OPERATOR, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    return client


NEW_VENDOR = {
    "name": "Hooli",
    "schema_name": "hooli",
    "domain": "hooli.localhost",
    "admin_email": "gavin@hooli.example",
    "admin_password": "Nucleus-2026!",
}


def test_operator_sees_the_tenants_but_not_the_template(operator):
    page = operator.get("/admin/tenancy/vendor/").content.decode()
    assert "acme.localhost" in page
    assert "globex.localhost" in page
    assert "tenant_template" not in page
    assert "Platform" not in page  # the public schema is the platform, not a vendor
    assert "Auth token" not in operator.get("/admin/").content.decode()


def test_operator_creates_a_tenant_through_the_provisioning_service(operator):
    response = operator.post("/admin/tenancy/vendor/add/", NEW_VENDOR)
    assert response.status_code == 302, response.content.decode()[:2000]
    vendor = Vendor.objects.get(schema_name="hooli")
    assert Domain.objects.get(tenant=vendor).domain == "hooli.localhost"
    with schema_context("hooli"):
        assert User.objects.get().role == Role.VENDOR_ADMIN
    login = Client(HTTP_HOST="hooli.localhost").post(
        "/login/", {"username": "gavin@hooli.example", "password": "Nucleus-2026!"}
    )
    assert login.status_code == 302


def test_a_taken_host_name_is_a_form_error_and_creates_nothing(operator):
    count = Vendor.objects.count()
    response = operator.post(
        "/admin/tenancy/vendor/add/", {**NEW_VENDOR, "domain": "acme.localhost"}
    )
    assert response.status_code == 200
    assert "already belongs to a tenant" in response.content.decode()
    assert Vendor.objects.count() == count


def test_tenant_users_cannot_use_the_operator_admin(db):
    response = Client(HTTP_HOST="localhost").post(
        "/admin/login/", {"username": "admin@acme.example", "password": PASSWORD}
    )
    assert response.status_code == 200  # the login form again: no such operator


def test_the_admin_is_not_served_on_tenant_hosts(db):
    assert Client(HTTP_HOST="acme.localhost").get("/admin/").status_code == 404


def scripts_of(page: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", page)


def test_the_periodic_task_form_has_no_inline_script_and_saves_a_task(operator):
    crontab = CrontabSchedule.objects.create(minute="30", hour="4")
    page = operator.get("/admin/django_celery_beat/periodictask/add/").content.decode()
    # Every script is a file the policy's script-src 'self' allows, or JSON data.
    for tag in scripts_of(page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "portal/periodic_task_admin" in page
    assert 'id="readable-crontabs"' in page
    response = operator.post(
        "/admin/django_celery_beat/periodictask/add/",
        {
            "name": "Nightly tidy-up",
            "regtask": "outbox.event_process",
            "crontab": crontab.pk,
            "args": "[]",
            "kwargs": "{}",
            "enabled": "on",
            "priority": "",
            "expire_seconds": "",
            "queue": "",
            "exchange": "",
            "routing_key": "",
            "headers": "{}",
            "description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    task = PeriodicTask.objects.get(name="Nightly tidy-up")
    change = operator.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert change.status_code == 200
    for tag in scripts_of(change.content.decode()):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    policy = dict(d.strip().split(" ", 1) for d in change["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"  # the page needs no weaker policy
