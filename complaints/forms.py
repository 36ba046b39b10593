"""The citizen's forms. Every message is in the page's language and says how to put the value right."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import TYPE_CHECKING, Any

import phonenumbers
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.pk import cnic as stdnum_cnic

from .evidence import evidence_validate
from .handles import InvalidHandle, handle_normalize
from .models import Complaint, Language, Platform, Province
from .selectors import platform_active
from .services import ComplaintData, EvidenceUpload

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NARRATIVE_MIN = 30
NARRATIVE_MAX = 5000
# Older than this is a typing mistake, not a suspension: no platform in scope is older.
ACTION_DATE_EARLIEST = date(2004, 1, 1)

REQUIRED = {
    "required": _("This information is needed."),
    "max_length": _("This is too long: shorten it to %(limit_value)d characters."),
    "null_characters_not_allowed": _("Remove the unusual characters from this field."),
}
CHOICE = {"required": _("Choose one of the options."), "invalid_choice": _("Choose one of the options in the list.")}


def choose_first(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The choices after an empty "Choose…": a preselected first option was sent untouched by many,
    and skewed the figures towards it."""
    return [("", _("Choose…")), *choices]


def ascii_digits(value: str) -> str:
    """Urdu keyboards type ۰۱۲۳…; the database and the hash want 0123…."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in value)


def cnic_clean(value: str) -> str:
    digits = stdnum_cnic.compact(ascii_digits(value).replace(" ", "").replace(".", ""))
    # stdnum also rejects unknown province digits, but AJK has none in its table: check only the shape.
    if len(digits) != 13 or not digits.isdigit():
        raise ValidationError(_("Enter the 13 digits of your CNIC, for example 35202-1234567-1."), code="invalid_cnic")
    return digits


def mobile_clean(value: str) -> str:
    """A Pakistani mobile in any common form (0300…, +92 300…, 0092 300…) as E.164."""
    message = _("Enter a Pakistani mobile number, for example 0300 1234567 or +92 300 1234567.")
    try:
        number = phonenumbers.parse(ascii_digits(value), "PK")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(message, code="invalid_mobile") from exc
    national = str(number.national_number)
    if (
        number.country_code != 92
        or len(national) != 10
        or not national.startswith("3")
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(message, code="invalid_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Zero to EVIDENCE_MAX_FILES files from one <input type=file multiple>."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[EvidenceUpload]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if isinstance(f, UploadedFile)]
        # Pictures are re-encoded by a worker, not in the citizen's request (complaints.services.evidence).
        return evidence_validate(files, defer_pictures=True)


def mobile_field(*, help_text: StrOrPromise) -> forms.CharField:
    # Left-to-right even on Urdu pages, and the phone's number pad.
    return forms.CharField(
        label=_("Mobile number"),
        help_text=help_text,
        max_length=30,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}),
    )


NAME_MIN, NAME_MAX = 2, 60
# Besides letters and spaces: the dot of an initial, the apostrophe (straight or curly) and hyphen.
NAME_PUNCTUATION = set(".'’-")
NAME_LOOKS_LIKE_LINK = re.compile(r"://|www|\.(?:com|net|org|pk|io|ly|me|co|info|xyz|link|app|site|online)\b", re.I)
NAME_ERROR = _(
    "Enter your name as on your CNIC: 2 to 60 letters (Urdu or English), with spaces, dots, "
    "apostrophes or hyphens only; no digits or links."
)


def full_name_clean(value: str) -> str:
    """The name with its spaces collapsed, if it is a name: it is read by staff and written into
    letters and emails, so it may not carry digits, links or markup."""
    name = " ".join(value.split())
    letters = sum(unicodedata.category(ch).startswith("L") for ch in name)
    # Letters of any script; combining marks (M*) carry Urdu's diacritics.
    allowed = all(unicodedata.category(ch)[0] in "LM" or ch == " " or ch in NAME_PUNCTUATION for ch in name)
    if (
        not (NAME_MIN <= len(name) <= NAME_MAX)
        or letters < NAME_MIN
        or not allowed
        or NAME_LOOKS_LIKE_LINK.search(name)
    ):
        raise ValidationError(NAME_ERROR, code="name")
    return name


class PlatformChoiceField(forms.ModelChoiceField):
    """Rendered from its queryset like any ModelChoiceField, but checked against the platforms this
    process keeps (selectors.platforms_active): a submission costs no query for it."""

    def to_python(self, value: Any) -> Platform | None:
        if value in self.empty_values:
            return None
        platform = platform_active(pk=value.pk if isinstance(value, Platform) else str(value).strip())
        if platform is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return platform


class ComplaintForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200, error_messages=REQUIRED)
    cnic = forms.CharField(
        label=_("CNIC number"),
        help_text=_("13 digits, with or without dashes, e.g. 35202-1234567-1."),
        max_length=30,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}),
    )
    mobile = mobile_field(help_text=_("We use it, with your reference, to let you track the complaint."))
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        max_length=254,
        error_messages={**REQUIRED, "invalid": _("Enter an email address like name@example.com, or leave it empty.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
    )
    province = forms.ChoiceField(
        label=_("Province or territory"), choices=choose_first(Province.choices), error_messages=CHOICE
    )
    city = forms.CharField(label=_("City or town"), max_length=100, error_messages=REQUIRED)
    preferred_language = forms.ChoiceField(
        label=_("Language for our messages to you"),
        choices=Language.choices,
        widget=forms.RadioSelect,
        error_messages=CHOICE,
    )
    platform = PlatformChoiceField(
        label=_("Platform"),
        queryset=Platform.objects.filter(is_active=True),
        empty_label=_("Choose…"),
        error_messages=CHOICE,
    )
    account_handle = forms.CharField(
        label=_("Account handle"),
        help_text=_("The @name of the account, or a link to its profile."),
        max_length=200,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false", "dir": "ltr"}),
    )
    account_url = forms.URLField(
        label=_("Link to the account (optional)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={**REQUIRED, "invalid": _("Enter a web address like https://x.com/name, or leave it empty.")},
        widget=forms.URLInput(attrs={"dir": "ltr"}),
    )
    action_type = forms.ChoiceField(
        label=_("What did the platform do?"),
        choices=choose_first(Complaint.ActionType.choices),
        error_messages=CHOICE,
    )
    action_date = forms.DateField(
        label=_("When did it happen?"),
        help_text=_("The date the platform acted, or your best guess."),
        error_messages={**REQUIRED, "invalid": _("Enter a date like 2026-08-05.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    platform_notice_text = forms.CharField(
        label=_("The reason the platform gave (optional)"),
        help_text=_("Copy the platform's message if you have it."),
        required=False,
        error_messages=REQUIRED,
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    appealed_to_platform = forms.TypedChoiceField(
        label=_("Did you appeal to the platform?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages=CHOICE,
    )
    platform_appeal_ref = forms.CharField(
        label=_("The platform's appeal or ticket number (optional)"),
        help_text=_("Needed if you appealed; it is in the platform's email to you."),
        required=False,
        error_messages=REQUIRED,
        max_length=100,
        widget=forms.TextInput(attrs={"dir": "ltr"}),
    )
    category = forms.ChoiceField(
        label=_("What was the content about?"),
        choices=choose_first(Complaint.Category.choices),
        error_messages=CHOICE,
    )
    narrative = forms.CharField(
        label=_("What happened?"),
        error_messages=REQUIRED,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    evidence = EvidenceField(
        label=_("Screenshots or documents (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,application/pdf"}),
    )
    consent_share_with_platform = forms.BooleanField(
        label=_(
            "I agree that the regulator may give the platform my name, with the account's details: its handle, "
            "link and account ID, and what the platform did and when."
        ),
        help_text=_(
            "Nothing else goes to the platform: never your CNIC, mobile number, email address or what you wrote. "
            "Without this we still ask the platform about the account, but without your name."
        ),
        required=False,
    )
    declaration = forms.BooleanField(
        label=_("I declare that the information I have given is true to the best of my knowledge."),
        error_messages={"required": _("Tick the declaration to send your complaint.")},
    )
    # A field people never see. Bots fill every input; a filled one means the submission is dropped.
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].label_from_instance = lambda platform: platform.name  # type: ignore[attr-defined]
        # Help texts with numbers are built here, per request, so they come out in the page's language.
        self.fields["narrative"].help_text = gettext("In your own words, between %(min)d and %(max)d characters.") % {
            "min": NARRATIVE_MIN,
            "max": NARRATIVE_MAX,
        }
        self.fields["evidence"].help_text = gettext(
            "Up to %(files)d files, PNG, JPEG, WebP or PDF, at most %(mb)d MB each."
        ) % {"files": settings.EVIDENCE_MAX_FILES, "mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024)}

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("homepage"))

    def clean_full_name(self) -> str:
        return full_name_clean(self.cleaned_data["full_name"])

    def clean_city(self) -> str:
        return " ".join(self.cleaned_data["city"].split())

    def clean_cnic(self) -> str:
        return cnic_clean(self.cleaned_data["cnic"])

    def clean_mobile(self) -> str:
        return mobile_clean(self.cleaned_data["mobile"])

    def clean_action_date(self) -> date:
        value: date = self.cleaned_data["action_date"]
        if value > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."), code="future")
        if value < ACTION_DATE_EARLIEST:
            raise ValidationError(_("Check the year: the date is too far in the past."), code="too_old")
        return value

    def clean_narrative(self) -> str:
        value = self.cleaned_data["narrative"].strip()
        if len(value) < NARRATIVE_MIN:
            raise ValidationError(
                _("Tell us a little more: at least %(min)d characters."),
                code="too_short",
                params={"min": NARRATIVE_MIN},
            )
        if len(value) > NARRATIVE_MAX:
            raise ValidationError(
                _("Please shorten this to %(max)d characters; you wrote %(length)d."),
                code="too_long",
                params={"max": NARRATIVE_MAX, "length": len(value)},
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        platform = cleaned.get("platform")
        if platform is not None and "account_handle" in cleaned:
            try:
                cleaned["account_handle_normalized"] = handle_normalize(platform, cleaned["account_handle"])
            except InvalidHandle as exc:
                self.add_error("account_handle", str(exc))
        if platform is not None and cleaned.get("account_url"):
            try:
                handle_normalize(platform, cleaned["account_url"])
            except InvalidHandle as exc:
                self.add_error("account_url", str(exc))
        if cleaned.get("appealed_to_platform") and not cleaned.get("platform_appeal_ref", "").strip():
            self.add_error(
                "platform_appeal_ref", _("You said you appealed: enter the number the platform gave your appeal.")
            )
        return cleaned

    def complaint_data(self) -> ComplaintData:
        c = self.cleaned_data
        return ComplaintData(
            full_name=c["full_name"],
            cnic=c["cnic"],
            mobile=c["mobile"],
            email=c["email"],
            province=c["province"],
            city=c["city"],
            preferred_language=c["preferred_language"],
            platform=c["platform"],
            account_handle=c["account_handle"].strip(),
            account_handle_normalized=c["account_handle_normalized"],
            account_url=c["account_url"],
            action_type=c["action_type"],
            action_date=c["action_date"],
            platform_notice_text=c["platform_notice_text"].strip(),
            appealed_to_platform=c["appealed_to_platform"],
            platform_appeal_ref=c["platform_appeal_ref"].strip() if c["appealed_to_platform"] else "",
            category=c["category"],
            narrative=c["narrative"],
            consent_share_with_platform=c["consent_share_with_platform"],
        )

    def evidence_uploads(self) -> list[EvidenceUpload]:
        uploads: list[EvidenceUpload] = self.cleaned_data["evidence"]
        return uploads


class TrackForm(forms.Form):
    reference = forms.CharField(
        label=_("Complaint reference"),
        help_text=_("As on your confirmation, e.g. PTA-2026-000123."),
        max_length=40,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false", "dir": "ltr"}),
    )
    mobile = mobile_field(help_text=_("The number you gave with the complaint."))

    def clean_reference(self) -> str:
        return "".join(ascii_digits(self.cleaned_data["reference"]).split()).upper()

    def clean_mobile(self) -> str:
        return mobile_clean(self.cleaned_data["mobile"])
