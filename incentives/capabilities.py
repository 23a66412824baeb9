"""Who may do what with MDF programs and funds (prm.permissions style: roles here, which
objects in incentives.scope)."""

from __future__ import annotations

from prm import permissions
from prm.permissions import ADMINS, ALL_ROLES, DECIDERS, TENANT_READERS
from prm.users.models import PARTNER_ROLES, Role


def declare() -> None:
    permissions.declare(
        mdf__view=ALL_ROLES,  # partners: their own funds; vendor staff: their scope's
        mdf__see_all=ADMINS | TENANT_READERS,  # every fund (finance pays them)
        mdf__configure=ADMINS,  # programs and allocations
        mdf__reverse=ADMINS | frozenset({Role.FINANCE_APPROVER}),  # correcting entries
        mdf__request=PARTNER_ROLES,  # ask for funds for an activity, cancel the request
        mdf__decide=DECIDERS,  # approve (possibly less) or reject a fund request
        # claims: the channel team, and finance above the policy's amount (the workflow asks)
        mdf__decide_claims=DECIDERS | frozenset({Role.FINANCE_APPROVER}),
        mdf__pay=ADMINS | frozenset({Role.FINANCE_APPROVER}),  # payouts: approve, export, paid
        # the tenant's exchange rates (MDF amounts in another currency are converted at them)
        mdf__rates=ADMINS | frozenset({Role.FINANCE_APPROVER}),
    )
