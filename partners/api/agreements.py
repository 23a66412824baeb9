"""API of the partner program agreement: versions, publishing, acceptance."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from partners import selectors, services
from partners.models import Agreement, AgreementAcceptance
from prm import limits


class AgreementOut(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()
    accepted_by_me = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["id", "version", "title", "body", "published_at", "current", "accepted_by_me"]

    def get_current(self, agreement: Agreement) -> bool:
        return agreement.pk == self.context["current_id"]

    def get_accepted_by_me(self, agreement: Agreement) -> bool:
        return agreement.pk in self.context["accepted_ids"]


class AgreementIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=limits.DOCUMENT)


class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Versioned program terms. Vendor admins publish a new version (POST); partner users
    accept the current one (``accept/``); every acceptance is kept."""

    serializer_class = AgreementOut
    queryset = Agreement.objects.filter(published_at__isnull=False)

    def get_serializer_context(self):
        current = selectors.agreement_current()
        return {
            **super().get_serializer_context(),
            "current_id": current.pk if current else None,
            "accepted_ids": set(
                AgreementAcceptance.objects.filter(user=self.request.user).values_list(
                    "agreement_id", flat=True
                )
            ),
        }

    @extend_schema(request=AgreementIn, responses={201: AgreementOut})
    def create(self, request):
        data = AgreementIn(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_publish(actor=request.user, **data.validated_data)
        return Response(
            AgreementOut(agreement, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: AgreementOut})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        services.agreement_accept(
            actor=request.user,
            agreement=self.get_object(),
            ip_address=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        return Response(AgreementOut(self.get_object(), context=self.get_serializer_context()).data)
