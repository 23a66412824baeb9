"""A claim's proof files, served only to those who may see the claim (incentives.scope):
the same 404 for a file of a claim one does not see as for a missing one. Images and PDFs
open in the page (the approvals inbox previews them); other files download. The stored type
is the one read from the content on upload."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.urls import URLPattern, path
from django.views.decorators.clickjacking import xframe_options_sameorigin

from incentives import scope
from prm.portal.views import PortalRequest

INLINE = {"application/pdf", "image/png", "image/jpeg"}


@login_required
@xframe_options_sameorigin
def claim_document(request: PortalRequest, claim_id: int, document_id: int) -> FileResponse:
    claim = scope.get_claim_for(request.user, claim_id)
    document = scope.claim_documents_visible_to(request.user, claim).filter(pk=document_id).first()
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=document.content_type,
        as_attachment=document.content_type not in INLINE,
        filename=document.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # PDFs are previewed in a frame of the claim's page (the browser's PDF viewer refuses a
    # sandboxed document); everything else stays sandboxed. Nothing else may frame them.
    sandbox = "" if document.content_type == "application/pdf" else "sandbox; "
    response["Content-Security-Policy"] = (
        f"{sandbox}default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path(
        "funds/claims/<int:claim_id>/files/<int:document_id>/",
        claim_document,
        name="mdf-claim-document",
    ),
]
