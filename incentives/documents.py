"""A claim's proof files, served only to those who may see the claim (incentives.scope):
the same 404 for a file of a claim one does not see as for a missing one. Images and PDFs
open in the page (the claim's page previews them); other files download. The stored type
is the one read from the content on upload."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.urls import URLPattern, path
from django.views.decorators.clickjacking import xframe_options_sameorigin

from incentives import scope
from prm.portal.views import PortalRequest
from prm.uploads import stored_file_response


@login_required
@xframe_options_sameorigin  # the claim's page frames its PDFs
def claim_document(request: PortalRequest, claim_id: int, document_id: int) -> FileResponse:
    claim = scope.get_claim_for(request.user, claim_id)
    document = scope.claim_documents_visible_to(request.user, claim).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return stored_file_response(
        document.file, content_type=document.content_type, name=document.original_name
    )


urlpatterns: list[URLPattern] = [
    path(
        "funds/claims/<int:claim_id>/files/<int:document_id>/",
        claim_document,
        name="mdf-claim-document",
    ),
]
