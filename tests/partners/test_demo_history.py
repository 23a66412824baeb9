"""Issue 11, point 19: the acme demo matches its territory tree and has 18 months of
history (partners.demo_history), so simulations, "has not happened" conditions and
dashboards show something on the first day."""

from datetime import timedelta

from django.utils import timezone

from partners.models import (
    AgreementAcceptance,
    ApplicationStatus,
    Certification,
    MembershipRole,
    OrgUnitMembership,
    Partner,
    PartnerApplication,
    PartnerContact,
    PartnerStatus,
)
from prm.outbox.models import Event
from workflows import definitions
from workflows.simulation import simulate

SUBTREE = [MembershipRole.MANAGER, MembershipRole.ADMINISTRATOR]


def test_every_demo_partners_channel_manager_manages_its_territorys_subtree(acme):
    # The demo's partners: the browser test of the application flow enrols "Greenfield <tag>"
    # companies for real (committed, in this database), which are not the demo's.
    partners = Partner.objects.exclude(display_name__startswith="Greenfield ").select_related(
        "territory", "channel_manager"
    )
    assert partners.count() > 30
    for partner in partners:
        assert partner.channel_manager and partner.territory, partner
        managed = OrgUnitMembership.objects.filter(
            user=partner.channel_manager, role__in=SUBTREE
        ).values_list("unit__path", flat=True)
        assert any(partner.territory.path.startswith(path) for path in managed), (
            f"{partner} in {partner.territory} is owned by {partner.channel_manager}"
        )


def test_demo_events_span_at_least_fifteen_months(acme):
    now = timezone.now()
    events = Event.objects.filter(created_at__lte=now)
    oldest = events.order_by("created_at").first()
    assert oldest is not None and oldest.created_at <= now - timedelta(days=15 * 30)
    months = {(e.year, e.month) for e in events.values_list("created_at", flat=True)}
    assert len(months) >= 15, sorted(months)
    for event_type in (
        "partner.enrolled",
        "partner.status_changed",
        "partner.contacted",
        "certification.expiring",
        "application.submitted",
        "agreement.published",
    ):
        assert events.filter(type=event_type, created_at__lt=now - timedelta(days=90)).exists()


def test_demo_partners_joined_over_the_months_and_changed_status_at_their_dates(acme):
    now = timezone.now()
    joined = sorted(Partner.objects.filter(depth=1).values_list("created_at", flat=True))
    assert joined[0] <= now - timedelta(days=450) and joined[-1] >= now - timedelta(days=90)
    northwind = Partner.objects.get(display_name="Northwind Traders")
    rows = list(northwind.history.order_by("history_date").values_list("status", "history_date"))
    assert rows[0][0] == PartnerStatus.ONBOARDING and rows[-1][0] == PartnerStatus.ACTIVE
    assert rows[0][1] < rows[-1][1] < now - timedelta(days=300)


def test_demo_applications_contacts_certifications_and_acceptances_have_a_past(acme):
    now = timezone.now()
    today = timezone.localdate()
    apps = PartnerApplication.objects.all()
    for status in ApplicationStatus.values:
        assert apps.filter(status=status).exists(), status
    assert apps.filter(submitted_at__lt=now - timedelta(days=365)).exists()
    assert apps.filter(status="pending", submitted_at__gte=now - timedelta(days=30)).exists()
    contacts = PartnerContact.objects.filter(partner__display_name="Northwind Traders")
    assert contacts.count() >= 5
    assert contacts.order_by("happened_on").first().happened_on < today - timedelta(days=365)
    soon = Certification.objects.filter(
        expires_on__gte=today, expires_on__lte=today + timedelta(days=30)
    )
    assert soon.exists() and Certification.objects.filter(expires_on__lt=today).exists()
    versions = AgreementAcceptance.objects.values_list("agreement__version", flat=True)
    assert len(set(versions)) == 2
    assert AgreementAcceptance.objects.filter(accepted_at__lt=now - timedelta(days=300)).exists()


def test_has_not_happened_finds_quiet_partners_and_busy_ones_in_the_demo(acme):
    partners = list(Partner.objects.filter(depth=1, status=PartnerStatus.ACTIVE))
    contacted = [definitions.happened(p, "partner.contacted", 90) for p in partners]
    assert any(contacted) and not all(contacted)


def test_a_simulation_over_the_last_year_of_the_demo_matches_real_events(acme):
    today = timezone.localdate()
    result = simulate(
        trigger="partner.contacted",
        definition={"conditions": None, "actions": []},
        start=today - timedelta(days=365),
        end=today,
    )
    assert result.considered > 50 and result.matched == result.considered
