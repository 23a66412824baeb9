"""Portal pages of the program agreement: reading and accepting the current version,
publishing a new one, the acceptance report with its reminder, and the printable copy."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from partners import forms, selectors, services
from partners.models import Agreement, AgreementAcceptance
from partners.views._common import requires
from prm.permissions import can
from prm.portal.views import PortalRequest, service_errors


def _published(version: int | str | None) -> Agreement:
    """A published version (the current one without ``version``); 404 when there is none."""
    rows = selectors.agreements_published()
    found = rows.filter(version=version).first() if version else rows.first()
    if found is None:
        raise Http404("No such agreement version.")
    return found


@login_required
def agreement(request: PortalRequest) -> HttpResponse:
    current = selectors.agreement_current()
    if request.method == "POST" and current is not None:
        with service_errors(request) as outcome:
            services.agreement_accept(
                actor=request.user,
                agreement=current,
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        if not outcome.failed:
            messages.success(request, f"You accepted {current}.")
            return redirect("home")
    acceptance = (
        current.acceptances.filter(user=request.user).first() if current is not None else None
    )
    return render(
        request,
        "partners/agreement.html",
        {
            "agreement": current,
            "acceptance": acceptance,
            "accepted": acceptance is not None,
            "can_accept": can(request.user, "agreements.accept"),
            "can_publish": can(request.user, "agreements.publish"),
            "can_report": can(request.user, "agreements.report"),
        },
    )


@requires("agreements.publish")
def agreement_publish(request: PortalRequest) -> HttpResponse:
    """Publish a new version, starting from the current text; every partner user is asked
    to accept it again (the form asks to confirm)."""
    current = selectors.agreement_current()
    initial = {"title": current.title, "body": current.body} if current else {}
    form = forms.AgreementForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with service_errors(request, form) as outcome:
            published = services.agreement_publish(
                actor=request.user, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
            )
        if not outcome.failed:
            due = selectors.agreement_signers(request.user).count()
            messages.success(
                request,
                f"Version {published.version} is published: {due} partner "
                f"user{'s are' if due != 1 else ' is'} asked to accept it.",
            )
            return redirect("agreement-report")
    next_version = (current.version + 1) if current else 1
    return render(
        request,
        "partners/agreement_publish.html",
        {"form": form, "current": current, "next_version": next_version},
    )


@requires("agreements.report")
def agreement_report(request: PortalRequest) -> HttpResponse:
    """Who accepted which version and when; for the current version, who has not yet."""
    chosen = _published(request.GET.get("version"))
    report = selectors.agreement_report(request.user, chosen)
    return render(
        request,
        "partners/agreement_report.html",
        {
            "report": report,
            "versions": selectors.agreements_published(),
            "remindable": len(report.remindable()),
            "can_remind": can(request.user, "agreements.remind"),
        },
    )


@require_POST
@requires("agreements.remind")
def agreement_remind(request: PortalRequest) -> HttpResponse:
    current = _published(None)
    with service_errors(request) as outcome:
        reminded = services.agreement_remind(actor=request.user, agreement=current)
    if not outcome.failed:
        if reminded:
            messages.success(
                request,
                f"Reminded {reminded} {'person' if reminded == 1 else 'people'}: each gets a "
                "notification and an e-mail.",
            )
        else:
            messages.info(
                request, "Nobody to remind: everyone pending was reminded within the last day."
            )
    return redirect("agreement-report")


@login_required
def agreement_print(request: PortalRequest, version: int | None = None) -> HttpResponse:
    """A printable copy of a version. Partner users get the current version or one they
    accepted, with the date they accepted it; vendor staff any published version, and those
    who see the report a person's acceptance (``?acceptance=<id>``)."""
    user = request.user
    chosen = _published(version)
    acceptance: AgreementAcceptance | None = None
    if user.is_partner_side:
        acceptance = chosen.acceptances.filter(user=user).select_related("partner").first()
        if acceptance is None and chosen != selectors.agreement_current():
            raise Http404("No such agreement version.")
    elif request.GET.get("acceptance") and can(user, "agreements.report"):
        try:
            acceptance = (
                selectors.agreement_report(user, chosen)
                .accepted_by_id()
                .get(int(request.GET["acceptance"]))
            )
        except ValueError:
            acceptance = None
        if acceptance is None:
            raise Http404("No such acceptance.")
    return render(
        request,
        "partners/agreement_print.html",
        {"agreement": chosen, "acceptance": acceptance, "partner_side": user.is_partner_side},
    )
