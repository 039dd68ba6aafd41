"""Printable reports and their PDFs. The printable page and the PDF come from one template, so
they show the same thing; `for_pdf` only drops the screen toolbar."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from reattune.reports.pdf import pdf_response
from reattune.reports.progress import progress_report_for

CLIENT_REPORT_TEMPLATE = "reports/client_report.html"


@login_required
@require_safe
def client_report(request: HttpRequest, client_id: int) -> HttpResponse:
    report = progress_report_for(request.user, client_id)  # type: ignore[arg-type]
    return render(request, CLIENT_REPORT_TEMPLATE, {"report": report})


@login_required
@require_safe
def client_report_pdf(request: HttpRequest, client_id: int) -> HttpResponse:
    report = progress_report_for(request.user, client_id)  # type: ignore[arg-type]
    on = timezone.localtime(report.generated_at)
    filename = f"progress-report-{report.client.code}-{on:%Y-%m-%d}.pdf"
    return pdf_response(
        request,
        CLIENT_REPORT_TEMPLATE,
        {"report": report},
        filename,
        printable_url=reverse("client_report", args=[client_id]),
    )
