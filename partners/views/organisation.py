"""Portal pages of the vendor org tree: the organisation page and its unit actions
(create, rename, move, delete, set a member)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from partners import forms, scope, services
from partners.models import OrgUnit, OrgUnitMembership
from partners.views._common import message_form_errors, requires
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors


@requires("partners.see_vendor_org")
def organisation(request: PortalRequest) -> HttpResponse:
    units = (
        scope.org_units_visible_to(request.user)
        .annotate(partner_count=Count("partners", distinct=True))
        .order_by("path")
    )
    members: dict[int, list] = {}
    for m in OrgUnitMembership.objects.select_related("user").order_by("user__email"):
        members.setdefault(m.unit_id, []).append(m)
    context = {
        "units": [(u, members.get(u.pk, [])) for u in units],
        "can_edit": can(request.user, "org.configure"),
        "unit_form": forms.UnitForm(),
        "member_form": forms.UnitMemberForm(),
        "move_form": forms.MoveForm(),
    }
    return render(request, "partners/organisation.html", context)


@require_POST
@requires("org.configure")
def unit_action(request: PortalRequest, action: str, unit_id: int | None = None) -> HttpResponse:
    """Create, rename, move, delete a unit or set a membership; errors are shown as
    messages on the organisation page and change nothing."""
    actor = request.user
    unit = get_object_or_404(OrgUnit, pk=unit_id) if unit_id else None
    form_class = {
        "create": forms.UnitForm,
        "rename": forms.RenameForm,
        "move": forms.MoveForm,
        "member": forms.UnitMemberForm,
        "delete": forms.PortalForm,
    }[action]
    form = form_class(request.POST)
    if not form.is_valid():
        message_form_errors(request, form)
        return redirect("organisation")
    data = form.cleaned_data
    unit = unit or data.get("unit")  # the assign form names its unit in a field
    if unit is None and action != "create":
        messages.error(request, "Choose the unit.")
        return redirect("organisation")
    with service_errors(request):
        if action == "create":
            unit = services.org_unit_create(actor=actor, name=data["name"], parent=data["parent"])
            messages.success(request, f"{unit.name} created.")
        elif action == "rename" and unit:
            services.org_unit_rename(actor=actor, unit=unit, name=data["name"])
            messages.success(request, f"Renamed to {data['name']}.")
        elif action == "move" and unit:
            services.org_unit_move(actor=actor, unit=unit, parent=data["parent"])
            messages.success(request, f"{unit.name} moved.")
        elif action == "delete" and unit:
            services.org_unit_delete(actor=actor, unit=unit)
            messages.success(request, f"{unit.name} deleted.")
        elif action == "member" and unit:
            services.org_unit_membership_set(
                actor=actor, unit=unit, user=data["user"], role=data["role"]
            )
            messages.success(request, f"{data['user']} is now {data['role']} of {unit.name}.")
    return redirect("organisation")
