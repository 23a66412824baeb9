from django.conf import settings


def tenant_url(tenant, path: str = "/") -> str:
    """Absolute URL of ``path`` on the tenant's primary host (for e-mails sent by tasks,
    which have no request to build it from)."""
    domain = tenant.get_primary_domain()
    host = domain.domain if domain else settings.PUBLIC_DOMAIN
    return f"{settings.PORTAL_URL_SCHEME}://{host}{settings.PORTAL_URL_PORT}{path}"
