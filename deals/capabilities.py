"""Who may do what with customer accounts and reservations (prm.permissions style: roles
here, which objects in deals.scope)."""

from __future__ import annotations

from prm import permissions
from prm.permissions import ADMINS, ALL_ROLES, DECIDERS
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES

# Partner users and managers reserve for their own partner; partner admins too.
RESERVERS = PARTNER_ROLES
# Who may end another's reservation: the vendor's decision makers (any in their scope) and
# the partner side (their own partner's).
RELEASERS = PARTNER_ROLES | DECIDERS


def declare() -> None:
    permissions.declare(
        accounts__lookup=ALL_ROLES,
        accounts__create=ALL_ROLES,  # a partner adds the customer it found open
        accounts__edit=DECIDERS,
        accounts__mark_vendor_owned=DECIDERS,
        accounts__see_all=VENDOR_ROLES,
        reservations__create=RESERVERS,
        reservations__release=RELEASERS,
        reservations__configure=ADMINS,
        catalogue__view=ALL_ROLES,  # partners: the active products of active lines
        catalogue__see_all=VENDOR_ROLES,  # the vendor's pages: inactive products too
        catalogue__edit=ADMINS,
        deals__register=PARTNER_ROLES,  # create, submit, withdraw, won/lost, extend, dispute
        deals__share=PARTNER_ROLES,
        deals__decide=DECIDERS,  # approve, reject, request information
        deals__reopen=DECIDERS,
        deals__configure=ADMINS,
        deals__see_competitors=VENDOR_ROLES,  # the competing partner of a conflict
    )
