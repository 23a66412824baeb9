"""Portal pages of the vendor org tree: the organisation page and its unit actions
(create, rename, move, delete, set a member)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from partners import forms, scope, services
from partners.models import STEPLEN, OrgUnit, OrgUnitMembership, ancestor_paths
from partners.views._common import requires
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors


@dataclass
class Failed:
    """The form of a unit action that was refused: shown again, open, with its errors beside
    its fields and what was typed kept."""

    action: str
    form: forms.PortalForm
    unit_id: int | None = None


def _tree(request: PortalRequest, failed: Failed | None) -> list[dict]:
    """The visible units in tree order, each with its parent, the partners of its whole
    subtree (and of the unit itself) and its members."""
    units = list(
        scope.org_units_visible_to(request.user)
        .annotate(own_partners=Count("partners", distinct=True))
        .order_by("path")
    )
    by_path = {u.path: u for u in units}
    subtree = dict.fromkeys(by_path, 0)
    for unit in units:  # each unit's own partners count for it and every unit above it
        for path in ancestor_paths(unit):
            if path in subtree:
                subtree[path] += unit.own_partners
    members: dict[int, list] = {}
    for m in OrgUnitMembership.objects.select_related("user").order_by("user__email"):
        members.setdefault(m.unit_id, []).append(m)
    rows = []
    for unit in units:
        parent = by_path.get(unit.path[:-STEPLEN])
        rows.append(
            {
                "unit": unit,
                "parent_id": parent.pk if parent else None,
                "subtree_partners": subtree[unit.path],
                "members": members.get(unit.pk, []),
                # Where it may move: anywhere but into itself or its own sub-units.
                "targets": [
                    {"pk": u.pk, "label": f"{'— ' * (u.depth - 1)}{u.name}"}
                    for u in units
                    if not u.path.startswith(unit.path)
                ],
                "failed": failed if failed and failed.unit_id == unit.pk else None,
            }
        )
    return rows


def _page(request: PortalRequest, failed: Failed | None = None) -> HttpResponse:
    context = {
        "rows": _tree(request, failed),
        "can_edit": can(request.user, "org.configure"),
        "unit_form": forms.UnitForm(),
        "member_form": forms.UnitMemberForm(),
        "failed": failed,
    }
    if failed and failed.action == "create":
        context["unit_form"] = failed.form
    if failed and failed.action == "member":
        context["member_form"] = failed.form
    status = 400 if failed else 200
    return render(request, "partners/organisation.html", context, status=status)


@requires("partners.see_vendor_org")
def organisation(request: PortalRequest) -> HttpResponse:
    return _page(request)


@require_POST
@requires("org.configure")
def unit_action(request: PortalRequest, action: str, unit_id: int | None = None) -> HttpResponse:
    """Create, rename, move, delete a unit or set a membership. A refusal shows the page
    again with the form open, its errors beside its fields and the input kept."""
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
    failed = Failed(action=action, form=form, unit_id=unit.pk if unit else None)
    if not form.is_valid():
        return _page(request, failed)
    data = form.cleaned_data
    unit = unit or data.get("unit")  # the assign form names its unit in a field
    if unit is None and action != "create":
        form.add_error("unit" if "unit" in form.fields else None, "Choose the unit.")
        return _page(request, failed)
    with service_errors(request, form) as outcome:
        if action == "create":
            unit = services.org_unit_create(actor=actor, name=data["name"], parent=data["parent"])
            messages.success(request, f"{unit.name} created.")
        elif action == "rename" and unit:
            services.org_unit_rename(actor=actor, unit=unit, name=data["name"])
            messages.success(request, f"Renamed to {data['name']}.")
        elif action == "move" and unit:
            services.org_unit_move(
                actor=actor, unit=unit, parent=data["parent"], reason=data["reason"]
            )
            messages.success(request, f"{unit.name} moved.")
        elif action == "delete" and unit:
            services.org_unit_delete(actor=actor, unit=unit)
            messages.success(request, f"{unit.name} deleted.")
        elif action == "member" and unit:
            services.org_unit_membership_set(
                actor=actor, unit=unit, user=data["user"], role=data["role"]
            )
            messages.success(request, f"{data['user']} is now {data['role']} of {unit.name}.")
    if outcome.failed:
        return _page(request, failed)
    return redirect("organisation")
