"""Issue 11, point 9: the operator's periodic task pages work under the Content-Security-
Policy (django-celery-beat's inline script replaced by a file)."""

import pytest
from django_celery_beat.models import CrontabSchedule

from prm.demo import OPERATOR, PASSWORD
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def crontab(django_db_blocker):
    with django_db_blocker.unblock():
        crontab = CrontabSchedule.objects.create(minute="15", hour="3")
    yield crontab
    with django_db_blocker.unblock():
        crontab.delete()


def test_the_periodic_task_form_runs_its_script_under_the_policy(page, portal, crontab):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else 0)
    operator_host = portal.replace("{host}.", "")
    page.goto(operator_host + "/admin/login/")
    page.get_by_label("Email").fill(OPERATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(operator_host + "/admin/django_celery_beat/periodictask/add/")
    page.select_option("#id_crontab", str(crontab.pk))
    help_text = page.locator(".field-crontab .help").inner_text()
    assert "Translation: " in help_text
    assert crontab.human_readable in help_text
    screenshot(page, "operator-periodic-task-add")
    assert not refused, refused
