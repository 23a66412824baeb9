from django.contrib.auth import authenticate
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from prm import limits
from prm.users import lockout


class TokenObtainApi(APIView):
    """Exchange e-mail and password for an API token of the current tenant."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Against password guessing: prm/users/lockout.py, as for the sign-in form.
    throttle_classes: list = []

    @extend_schema_serializer(component_name="TokenRequest")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(
            max_length=limits.PASSWORD, trim_whitespace=False, style={"input_type": "password"}
        )

    @extend_schema_serializer(component_name="Token")
    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    def get_authenticate_header(self, request) -> str:
        return "Token"  # makes a failed login a 401, not a 403

    @extend_schema(
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            429: OpenApiResponse(description="Too many failed sign-ins: wait, or reset."),
        },
        examples=[
            OpenApiExample(
                "Demo login",
                value={"email": "admin@acme.example", "password": "demo-pass-123"},
                request_only=True,
            )
        ],
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = lockout.normalise_email(data.validated_data["email"])
        if lockout.is_locked(request, email):  # the password is not even tried
            raise exceptions.Throttled(detail=lockout.locked_message())
        user = authenticate(request, email=email, password=data.validated_data["password"])
        if user is None:
            # Same answer for an unknown e-mail and a wrong password.
            raise exceptions.AuthenticationFailed(
                "Unable to log in with the provided e-mail and password."
            )
        lockout.unlock_account(email)
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)
