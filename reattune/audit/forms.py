"""The audit page's filters. Everything is looked up inside the admin's own clinic; a client is
chosen by code in a POST and then named by id in the page's address, never by name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from reattune.cases.models import Client
from reattune.clinics.models import Clinic, User
from reattune.lib.validation import whole_number

NO_SUCH_CLIENT = "No client in your clinic has that code. Check it and try again."
ENDS_BEFORE_START = "The end date is before the start date."


class AuditFilterForm(forms.Form):
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To (including)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    person = forms.ModelChoiceField(
        label="Person", queryset=User.objects.none(), required=False, empty_label="Everyone"
    )
    client = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.fields["person"].queryset = User.objects.filter(clinic=clinic).order_by(  # type: ignore[attr-defined]
            "full_name", "email"
        )

    def clean_client(self) -> Client | None:
        raw = self.data.get(self.add_prefix("client"))
        pk = whole_number(str(raw)) if raw else None
        if pk is None:
            return None
        client = Client.objects.filter(clinic=self.clinic, pk=pk).first()
        if client is None:
            raise ValidationError(NO_SUCH_CLIENT)
        return client

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            raise ValidationError(ENDS_BEFORE_START)
        return cleaned


class ClientCodeForm(forms.Form):
    """Find a client by the clinic's code for them, sent by POST so the code stays out of
    addresses and logs."""

    code = forms.CharField(label="Client code", max_length=40)

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic

    def clean_code(self) -> Client:
        code = self.cleaned_data["code"].strip()
        client = Client.objects.filter(clinic=self.clinic, code__iexact=code).first()
        if client is None:
            raise ValidationError(NO_SUCH_CLIENT)
        return client
