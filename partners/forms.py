from __future__ import annotations

from django import forms
from django.core import signing
from django.utils import timezone

from partners import scope
from partners.models import (
    PARTNER_FIELDS,
    PARTNER_M2M_FIELDS,
    BusinessPlan,
    Certification,
    Competency,
    Industry,
    Location,
    MembershipRole,
    OrgUnit,
    Partner,
    PartnerApplication,
    PartnerContact,
    PartnerMembership,
    PartnerType,
    Tier,
)
from prm import limits
from prm.permissions import can
from prm.portal.forms import PortalForm
from prm.tenancy.context import current_schema
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role, User


class UnitChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'— ' * (obj.depth - 1)}{obj.name}"


class UnitForm(PortalForm):
    name = forms.CharField(max_length=120)
    parent = UnitChoice(queryset=OrgUnit.objects.all(), required=False, empty_label="(top level)")


class MoveForm(PortalForm):
    parent = UnitChoice(
        queryset=OrgUnit.objects.all(),
        required=False,
        empty_label="(top level)",
        label="Move under",
    )


class AgreementForm(PortalForm):
    """A new version of the program terms (the services check what is left blank)."""

    title = forms.CharField(max_length=200, required=False, label="Title")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
        label="Terms",
        help_text="Every partner user is asked to accept the new version before they "
        "register deals or file claims.",
    )


class RenameForm(PortalForm):
    name = forms.CharField(max_length=120)


class UnitMemberForm(PortalForm):
    unit = UnitChoice(queryset=OrgUnit.objects.all(), required=False)
    user = forms.ModelChoiceField(queryset=User.objects.filter(role__in=VENDOR_ROLES))
    role = forms.ChoiceField(choices=MembershipRole.choices)


class PartnerForm(PortalForm):
    """The profile; vendor-side editors also get tier, territory, channel manager, type."""

    display_name = forms.CharField(max_length=120)
    legal_name = forms.CharField(max_length=200, required=False)
    partner_type = forms.ChoiceField(choices=PartnerType.choices)
    tier = forms.ModelChoiceField(queryset=Tier.objects.all(), required=False)
    territory = UnitChoice(queryset=OrgUnit.objects.all(), required=False)
    channel_manager = forms.ModelChoiceField(queryset=scope.channel_managers(), required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    email_domain = forms.CharField(max_length=120, required=False)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=limits.DESCRIPTION
    )
    competencies = forms.ModelMultipleChoiceField(
        queryset=Competency.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    industries = forms.ModelMultipleChoiceField(
        queryset=Industry.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    VENDOR_FIELDS = ("partner_type", "tier", "territory", "channel_manager")

    def __init__(self, *args, vendor_side: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not vendor_side:
            for name in self.VENDOR_FIELDS:
                del self.fields[name]
        for name in ("competencies", "industries"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_for(cls, partner: Partner) -> dict:
        return {
            **{name: getattr(partner, name) for name in PARTNER_FIELDS},
            **{name: getattr(partner, name).all() for name in PARTNER_M2M_FIELDS},
        }


class ApplicationForm(PortalForm, forms.ModelForm):
    """The public application. ``nickname`` is a honeypot (hidden from people, filled by
    bots); ``started`` is a signed timestamp: forms sent within seconds are bots too."""

    website = forms.URLField(required=False, assume_scheme="https")
    nickname = forms.CharField(required=False, label="Leave this empty")
    started = forms.CharField(widget=forms.HiddenInput)
    MIN_SECONDS = 3

    class Meta:
        model = PartnerApplication
        fields = [
            "company_name",
            "website",
            "partner_type",
            "country",
            "contact_name",
            "contact_email",
            "message",
        ]
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}
        labels = {"message": "What do you sell, to whom, and why this program?"}

    @staticmethod
    def stamp(moment: float, schema: str | None = None) -> str:
        """The signed start time, bound to the tenant: a stamp fetched from one vendor's
        portal is refused by every other's."""
        return signing.dumps(moment, salt=f"prm.apply:{schema or current_schema()}")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["started"].initial = self.stamp(timezone.now().timestamp())
        self.fields["nickname"].widget.attrs.update(
            {"tabindex": "-1", "autocomplete": "off", "class": "form-control"}
        )

    def clean(self):
        data = super().clean() or {}
        try:
            started = float(
                signing.loads(
                    data.get("started", ""),
                    salt=f"prm.apply:{current_schema()}",
                    max_age=24 * 3600,
                )
            )
        except (signing.BadSignature, ValueError):
            raise forms.ValidationError("The form expired. Please send it again.") from None
        if data.get("nickname") or timezone.now().timestamp() - started < self.MIN_SECONDS:
            raise forms.ValidationError("Your application could not be accepted.")
        return data


class ApproveForm(PortalForm):
    territory = UnitChoice(queryset=OrgUnit.objects.all(), required=False)
    channel_manager = forms.ModelChoiceField(queryset=scope.channel_managers(), required=False)
    tier = forms.ModelChoiceField(queryset=Tier.objects.all(), required=False)


class RejectForm(PortalForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=limits.NOTE)


class InvitationAcceptForm(PortalForm):
    full_name = forms.CharField(max_length=200, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput, label="Choose a password")
    password2 = forms.CharField(widget=forms.PasswordInput, label="The password again")

    def clean(self):
        data = super().clean() or {}
        if data.get("password") != data.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        return data


class InviteForm(PortalForm):
    """Invite someone. It starts at the least powerful role (a partner user, a member of
    the unit) and, for a partner admin, at their own company."""

    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.PARTNER_USER)
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), required=False)
    org_unit = UnitChoice(queryset=OrgUnit.objects.all(), required=False, label="Org unit")
    membership_role = forms.ChoiceField(
        choices=MembershipRole.choices, initial=MembershipRole.MEMBER, label="Role in the unit"
    )

    def __init__(self, *args, actor: User, partners, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]  # a ModelChoiceField
        if not can(actor, "people.add_vendor_side"):
            # Least powerful first, as in the role's select.
            roles = [(r, Role(r).label) for r in reversed(Role.values) if r in PARTNER_ROLES]
            self.fields["role"].choices = roles  # type: ignore[attr-defined]  # a ChoiceField
            del self.fields["org_unit"]
        if actor.is_partner_side:
            own = PartnerMembership.objects.filter(user=actor).values_list("partner", flat=True)
            if (partner := partners.filter(pk__in=own).first()) is not None:
                self.fields["partner"].initial = partner.pk


class ImportForm(PortalForm):
    file = forms.FileField(help_text="CSV with a header row, UTF-8, at most 2 MB.")
    MAX_BYTES = 2 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


class LocationForm(PortalForm, forms.ModelForm):
    class Meta:
        model = Location
        fields = ["label", "street", "city", "postal_code", "country", "region", "is_headquarters"]


class CertificationForm(PortalForm, forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["holder_name", "name", "competency", "issued_on", "expires_on"]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}),
            "expires_on": forms.DateInput(attrs={"type": "date"}),
        }


class PlanForm(PortalForm, forms.ModelForm):
    class Meta:
        model = BusinessPlan
        fields = ["year", "revenue_target", "deals_target", "certified_people_target"]


class ContactForm(PortalForm, forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = ["kind", "happened_on", "note"]
        widgets = {
            "happened_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 2}),
        }


DETAIL_FORMS = {
    "location": LocationForm,
    "certification": CertificationForm,
    "plan": PlanForm,
    "contact": ContactForm,
}
