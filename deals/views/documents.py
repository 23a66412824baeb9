"""A deal's files, served only to those who may see the deal (deals.scope): the same 404
for a file of a deal one does not see as for a missing one. Images and PDFs open in the
page; other files download. The stored type is the one read from the content on upload."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.urls import URLPattern, path

from deals import scope
from prm.portal.views import PortalRequest
from prm.uploads import stored_file_response


@login_required
def deal_document(request: PortalRequest, deal_id: int, document_id: int) -> FileResponse:
    deal = scope.get_deal_for(request.user, deal_id)
    document = scope.documents_visible_to(request.user, deal).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return stored_file_response(
        document.file, content_type=document.content_type, name=document.original_name
    )


urlpatterns: list[URLPattern] = [
    path("deals/<int:deal_id>/files/<int:document_id>/", deal_document, name="deal-document"),
]
