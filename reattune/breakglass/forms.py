"""The emergency-access request. The form checks the input's shape; the service checks the
person, the code and the client."""

from __future__ import annotations

from typing import Any

from django import forms

from reattune.lib.validation import visible_text, without_nul

REASON_MIN = 20
REASON_MAX = 2000
CODE_REQUIRED = "Please give the client's code (not their name)."
CODE_TOO_LONG = "A client code is at most 40 characters."
REASON_REQUIRED = "Please say why you need to open this client's record now."
REASON_TOO_SHORT = (
    f"Please say in at least a sentence ({REASON_MIN} characters or more) why you need this "
    "client's record now. Your clinic admin will read it."
)
REASON_TOO_LONG = f"Please keep the reason to {REASON_MAX} characters or fewer."
PASSWORD_REQUIRED = "Please type your password again."  # noqa: S105 - a message, not a password
OTP_REQUIRED = "Please give the 6-digit code your authenticator app shows now."


class GrantForm(forms.Form):
    code = forms.CharField(
        label="Client code",
        max_length=40,
        help_text="The code the clinic uses for the client, for example HS-0142. Not their name.",
        error_messages={"required": CODE_REQUIRED, "max_length": CODE_TOO_LONG},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    reason = forms.CharField(
        label="Why you need it now",
        max_length=REASON_MAX,
        help_text=(
            "At least a sentence. Your clinic admin reads it; it is never emailed. "
            "Keep clinical detail to what explains the need."
        ),
        error_messages={"required": REASON_REQUIRED, "max_length": REASON_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        help_text="To be sure it is you, not someone at an unlocked screen.",
        error_messages={"required": PASSWORD_REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    otp_code = forms.CharField(
        label="Authenticator code",
        max_length=12,
        required=False,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )

    def __init__(self, *args: Any, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_code = needs_code
        if needs_code:
            self.fields["otp_code"].required = True
            self.fields["otp_code"].error_messages["required"] = OTP_REQUIRED
        else:
            del self.fields["otp_code"]

    def clean_code(self) -> str:
        return visible_text(self.cleaned_data["code"])

    def clean_reason(self) -> str:
        reason = without_nul(self.cleaned_data["reason"]).strip()
        if len(reason) < REASON_MIN:
            raise forms.ValidationError(REASON_TOO_SHORT)
        return reason

    def clean_otp_code(self) -> str:
        return str(self.cleaned_data.get("otp_code", "")).strip()
