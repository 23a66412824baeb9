"""API of customer accounts: list, read, create, update, and the lookup ("is this
customer free?")."""

from __future__ import annotations

from django_countries.serializer_fields import CountryField
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from deals import scope, selectors, services
from deals.filters import AccountFilter
from deals.models import DOMAIN_MAX, NAME_MAX, CustomerAccount
from deals.normalise import registrable_domain
from partners.scope import users_visible_to
from prm.api_input import ScopedPrimaryKeyField, require_in
from prm.errors import Invalid
from prm.permissions import require
from prm.users.models import VENDOR_ROLES

# Per user: the vendor's named accounts are confidential, so nobody walks the list.
MAX_DOMAINS = 20


class Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _ref(obj, label: str = "name") -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": getattr(obj, label)}


ref_or_null = extend_schema_field(Ref(allow_null=True))


class AccountOut(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    country = serializers.CharField(source="country.code", allow_blank=True)
    domains = serializers.SerializerMethodField()
    vendor_owner = serializers.SerializerMethodField()

    class Meta:
        model = CustomerAccount
        fields = [
            "id",
            "name",
            "parent",
            "depth",
            "country",
            "region",
            "domains",
            "vendor_owned",
            "vendor_owner",
            "external_crm_id",
            "created_at",
            "updated_at",
        ]

    def get_domains(self, account: CustomerAccount) -> list[str]:
        return [d.domain for d in account.domains.all()]

    @ref_or_null
    def get_vendor_owner(self, account: CustomerAccount) -> dict | None:
        return _ref(account.vendor_owner, "email")


def _vendor_staff(user):
    return users_visible_to(user).filter(role__in=VENDOR_ROLES)


class AccountIn(serializers.Serializer):
    """A customer account. ``domains`` are web or e-mail addresses or host names: each is
    kept as its registrable domain (``https://shop.acme.co.uk`` → ``acme.co.uk``)."""

    name = serializers.CharField(max_length=NAME_MAX, required=False)
    country = CountryField(allow_blank=True, required=False)
    region = serializers.CharField(max_length=100, allow_blank=True, required=False)
    parent = ScopedPrimaryKeyField(selector=scope.accounts_visible_to, required=False)
    domains = serializers.ListField(
        child=serializers.CharField(max_length=DOMAIN_MAX), max_length=MAX_DOMAINS, required=False
    )
    vendor_owned = serializers.BooleanField(required=False)
    vendor_owner = ScopedPrimaryKeyField(selector=_vendor_staff, allow_null=True, required=False)
    external_crm_id = serializers.CharField(max_length=100, allow_blank=True, required=False)


class AccountUpdateIn(AccountIn):
    parent = None  # moves in the tree come with the merge (a later issue)


class MergeIn(serializers.Serializer):
    survivor = ScopedPrimaryKeyField(selector=scope.accounts_editable_by)
    duplicate = ScopedPrimaryKeyField(selector=scope.accounts_editable_by)


class MatchOut(serializers.Serializer):
    id = serializers.IntegerField(source="account.pk")
    name = serializers.CharField(source="account.name")
    domains = serializers.SerializerMethodField()
    country = serializers.SerializerMethodField()
    parent = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=["open", "reserved", "reserved_by_you", "vendor_owned"]
    )
    score = serializers.FloatField()
    verdict = serializers.ChoiceField(choices=["match", "possible"])
    reasons = serializers.ListField(child=serializers.CharField())

    def get_domains(self, candidate) -> list[str]:
        return candidate.domains

    def get_country(self, candidate) -> str:
        return str(candidate.account.country.code or "")

    @ref_or_null
    def get_parent(self, candidate) -> dict | None:
        return _ref(candidate.parent)


class LookupOut(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["open", "reserved", "reserved_by_you", "vendor_owned", "needs_review"]
    )
    matches = MatchOut(many=True)


LOOKUP_EXAMPLE = {
    "status": "open",
    "matches": [
        {
            "id": 42,
            "name": "ACME Corporation",
            "domains": ["acme.com"],
            "country": "DE",
            "parent": {"id": 40, "name": "Acme Group"},
            "status": "open",
            "score": 1.0,
            "verdict": "match",
            "reasons": [
                "same name after normalisation (Acme Corp = ACME Corporation), same country DE",
                "child of Acme Group",
            ],
        }
    ],
}


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="name or domain contains"),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO country code"),
            OpenApiParameter("vendor_owned", OpenApiTypes.STR, enum=["yes", "no"]),
            OpenApiParameter(
                "reserved", OpenApiTypes.STR, enum=["yes", "no"], description="reserved now"
            ),
            OpenApiParameter(
                "parent",
                OpenApiTypes.STR,
                description="`top`: top-level companies only; an account id: its direct "
                "offices and subsidiaries",
            ),
        ]
    )
)
class AccountViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Customer accounts. Vendor staff see every account; partner users those their
    partner reserved and those they added. Anyone may add an account; the vendor's
    decision makers change accounts and mark them vendor-owned."""

    serializer_class = AccountOut
    filter_backends = [DjangoFilterBackend]
    filterset_class = AccountFilter  # the portal's account list filters with it too

    def get_queryset(self):
        return selectors.account_queryset(self.request.user)

    def _out(self, account: CustomerAccount, code=status.HTTP_200_OK) -> Response:
        return Response(AccountOut(self.get_queryset().get(pk=account.pk)).data, status=code)

    @extend_schema(
        request=AccountIn,
        responses={201: AccountOut},
        examples=[
            OpenApiExample(
                "An office of a company",
                request_only=True,
                value={
                    "name": "ACME Corporation Berlin",
                    "country": "DE",
                    "parent": 40,
                    "domains": ["https://www.acme.de"],
                },
            )
        ],
    )
    def create(self, request):
        require(request.user, "accounts.create", "You cannot add customer accounts.")
        data = AccountIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if not fields.get("name"):
            raise Invalid({"name": ["Enter the customer's company name."]})
        account = services.account_create(actor=request.user, **fields)
        return self._out(account, status.HTTP_201_CREATED)

    @extend_schema(request=AccountUpdateIn, responses={200: AccountOut})
    def partial_update(self, request, pk=None):
        account = self.get_object()
        require_in(
            scope.accounts_editable_by(request.user),
            account,
            "Only vendor admins and channel managers change accounts.",
        )
        data = AccountUpdateIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        account = services.account_update(
            actor=request.user, account=account, fields=dict(data.validated_data)
        )
        return self._out(account)

    @extend_schema(
        request=MergeIn,
        responses={200: AccountOut},
        examples=[
            OpenApiExample(
                "Merge a duplicate", value={"survivor": 42, "duplicate": 43}, request_only=True
            )
        ],
    )
    @action(detail=False, methods=["post"])
    def merge(self, request):
        """Merge the ``duplicate`` into the ``survivor``, which takes its domains, offices
        and reservations; the duplicate is deleted. 409 when both are reserved or the
        merged company would hold reservations its policy forbids."""
        require(
            request.user,
            "accounts.edit",
            "Only vendor admins and channel managers merge accounts.",
        )
        data = MergeIn(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        survivor = services.account_merge(
            actor=request.user,
            survivor=data.validated_data["survivor"],
            duplicate=data.validated_data["duplicate"],
        )
        return self._out(survivor)

    @extend_schema(
        operation_id="accounts_lookup",
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="A company name (3+ characters)"),
            OpenApiParameter(
                "domain", OpenApiTypes.STR, description="A web or e-mail address or domain"
            ),
            OpenApiParameter("country", OpenApiTypes.STR, description="ISO country code"),
        ],
        responses={
            200: LookupOut,
            429: OpenApiResponse(description="Too many lookups: wait a minute."),
        },
        examples=[OpenApiExample("Found, open", value=LOOKUP_EXAMPLE, response_only=True)],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def lookup(self, request):
        """Is this customer free? ``match`` is hard evidence (the same registrable domain,
        or the same normalised name in the same country); ``possible`` a similar name,
        for a person to review. Never says who holds a reservation."""
        require(request.user, "accounts.lookup", "You cannot look up accounts.")
        if selectors.lookup_rate_limited(request):
            raise exceptions.Throttled(detail="Too many lookups in a short time: wait a minute.")
        q = request.query_params.get("q", "").strip()
        domain = request.query_params.get("domain", "").strip()
        country = request.query_params.get("country", "").strip().upper()
        problems: dict[str, list[str]] = {}
        if len(q) > NAME_MAX:
            problems["q"] = [f"Type at most {NAME_MAX} characters."]
        elif not domain and len(q) < selectors.LOOKUP_MIN_CHARS:
            problems["q"] = [f"Type at least {selectors.LOOKUP_MIN_CHARS} characters."]
        if domain and (len(domain) > DOMAIN_MAX or registrable_domain(domain) is None):
            problems["domain"] = ["Enter a web address, an e-mail address or a domain."]
        if country and (len(country) != 2 or not country.isalpha()):
            problems["country"] = ["Enter a two-letter country code."]
        if problems:
            raise Invalid(problems)
        answer = selectors.account_lookup(request.user, q=q, domain=domain, country=country)
        return Response(LookupOut(answer).data)
