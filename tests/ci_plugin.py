"""CI guards, loaded by `./dev test` as `-p tests.ci_plugin`; each is off unless its variable is on.

REATTUNE_CI_NO_SKIPS=1: a skipped test is reported as a failure, and a skipped module as a
collection error, with the skip's reason. A green CI run must mean every test ran: a browser
test that skips because Chromium is missing has proved nothing.

REATTUNE_REQUIRE_POSTGRES=1: the run stops at once unless the tests will use PostgreSQL, so a
typo in REATTUNE_DATABASE_URL cannot quietly turn the PostgreSQL run into a second SQLite run.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest
from pytest import CallInfo, Collector, CollectReport, Item, TestReport


def _enabled(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _as_failure(report: TestReport | CollectReport) -> None:
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"Skipped, and REATTUNE_CI_NO_SKIPS=1 makes a skip a failure: {reason}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    if _enabled("REATTUNE_CI_NO_SKIPS"):
        lines.append("REATTUNE_CI_NO_SKIPS=1: every skip counts as a failure")
    if _enabled("REATTUNE_REQUIRE_POSTGRES"):
        lines.append("REATTUNE_REQUIRE_POSTGRES=1: the tests must run on PostgreSQL")
    return lines


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: Item, call: CallInfo[None]
) -> Generator[None, TestReport, TestReport]:
    report = yield
    # An expected failure (xfail) also reports as skipped; it is a decision, not a missed test.
    if report.skipped and not hasattr(report, "wasxfail") and _enabled("REATTUNE_CI_NO_SKIPS"):
        _as_failure(report)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_make_collect_report(
    collector: Collector,
) -> Generator[None, CollectReport, CollectReport]:
    report = yield
    if report.skipped and _enabled("REATTUNE_CI_NO_SKIPS"):
        _as_failure(report)
    return report


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _enabled("REATTUNE_REQUIRE_POSTGRES"):
        return
    from django.conf import settings

    engine = str(settings.DATABASES["default"]["ENGINE"])
    if "postgresql" not in engine:
        raise pytest.UsageError(
            "REATTUNE_REQUIRE_POSTGRES=1, but the tests would run on "
            f"{engine}: set REATTUNE_DATABASE_URL=postgres://… (see docs/settings.md)"
        )
