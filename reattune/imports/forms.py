"""The upload form of the import page."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_MB = 200
TOO_LARGE = (
    f"The file is larger than {MAX_UPLOAD_MB} MB. Split it, or use `reattune import_scores`."
)
NOT_CSV = "Choose a CSV file (its name ends in .csv)."


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="The long format `reattune detect` reads.")
    keep_open = forms.BooleanField(
        required=False,
        label="These clients are still in therapy: leave their new cases open",
        help_text="Otherwise each new case is closed at its last session, as history.",
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(".csv"):
            raise forms.ValidationError(NOT_CSV)
        if (upload.size or 0) > MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(TOO_LARGE)
        return upload
