"""The erasure form and the "was this code erased?" lookup. The form checks the input's shape;
the service (erasure.py) checks the code against the client's."""

from __future__ import annotations

from django import forms

from reattune.lib.validation import without_nul

REASON_MAX = 1000
CODE_REQUIRED = "Type the client's code to confirm."
REASON_REQUIRED = "Say why this client's data is being erased."
REASON_TOO_LONG = f"Please keep the reason to {REASON_MAX} characters or fewer."
LOOKUP_CODE_REQUIRED = "Type the code to look for."


class ErasureForm(forms.Form):
    code = forms.CharField(
        label="Type the client's code to confirm",
        max_length=40,
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=REASON_MAX,
        help_text=(
            "For example: the client's written request of 3 March. It is kept after the data "
            "has gone, so name no one."
        ),
        error_messages={"required": REASON_REQUIRED, "max_length": REASON_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_reason(self) -> str:
        return without_nul(self.cleaned_data["reason"])


class ErasedCodeForm(forms.Form):
    code = forms.CharField(
        label="Client code",
        max_length=40,
        error_messages={"required": LOOKUP_CODE_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
