"""The clinic-wide figures on the learning page, computed once a day per clinic and period.

`clinic_figures` returns the newest row up to today (yesterday's until the nightly run), and
computes and stores one only for a clinic that has none yet. The worker's nightly job
(`reattune.worker.tasks.refresh_learning_figures`) computes every period for every clinic, so
on a running installation no page view pays for the whole clinic.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from reattune.cases.models import Case
from reattune.learning import patterns
from reattune.learning.models import ClinicFigures


def clinic_figures(
    clinic_id: int, period: str, today: dt.date
) -> tuple[patterns.TrackShare, list[patterns.MonthMean]]:
    # The newest row up to today: yesterday's until the nightly job has run (a page view
    # after midnight must not pay for the whole clinic); computed here only if there is none.
    row = (
        ClinicFigures.objects.filter(clinic_id=clinic_id, period=period, as_of__lte=today)
        .order_by("-as_of")
        .first()
    )
    if row is None:
        row = figures_store(clinic_id, period, today)
    return _decoded(row.data)


def figures_store(clinic_id: int, period: str, today: dt.date) -> ClinicFigures:
    """Compute the clinic-wide figures as of `today` and keep them (once: a second process
    computing the same day at the same moment keeps the first row)."""
    from reattune.learning.page import alliance_by_month, track_share_of

    start = patterns.period_start(today, period)
    cases = Case.objects.filter(clinic_id=clinic_id)
    track = track_share_of(cases, start, today)
    alliance = alliance_by_month(cases, start, today)
    data = {
        "track": {"on_track": track.on_track, "not_on_track": track.not_on_track},
        "alliance": [
            {"month": m.month.isoformat(), "mean": m.mean, "count": m.count} for m in alliance
        ],
    }
    try:
        with transaction.atomic():
            return ClinicFigures.objects.create(
                clinic_id=clinic_id, period=period, as_of=today, data=data
            )
    except IntegrityError:
        return ClinicFigures.objects.get(clinic_id=clinic_id, period=period, as_of=today)


def figures_refresh(clinic_id: int, today: dt.date) -> int:
    """Every period's figures for the clinic as of `today`; then older days' rows go."""
    for period in patterns.PERIOD_LABELS:
        figures_store(clinic_id, period, today)
    ClinicFigures.objects.filter(clinic_id=clinic_id, as_of__lt=today).delete()
    return len(patterns.PERIOD_LABELS)


def _decoded(data: dict[str, object]) -> tuple[patterns.TrackShare, list[patterns.MonthMean]]:
    track = data["track"]
    assert isinstance(track, dict)
    alliance = data["alliance"]
    assert isinstance(alliance, list)
    return (
        patterns.TrackShare(on_track=track["on_track"], not_on_track=track["not_on_track"]),
        [
            patterns.MonthMean(
                month=dt.date.fromisoformat(m["month"]), mean=m["mean"], count=m["count"]
            )
            for m in alliance
        ],
    )
