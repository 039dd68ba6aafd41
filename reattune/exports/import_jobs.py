"""The import records that name a client, for erasure.

An import job keeps two things that can hold a client's code after the client is gone: the
problems a refused or failed import listed ("client C-0142, session 3 already has phq9"), and,
while a job waits for the go-ahead (checked) or to start (queued), the uploaded CSV itself in
the data folder. Erasure replaces the code in the problems (and the file's name) with
`ERASED_CLIENT`, and cancels a waiting job whose file names the client, deleting the file, so
that the client cannot be imported back by a go-ahead given after the erasure. A job that is
running with such a file refuses the erasure until it ends: its transaction may be creating
the client again.

In messages, codes match whole, ignoring case (as the import finds clients): erasing C-01
leaves C-0142. In a job's file name (which the messages also begin with, as `NAME, line N:`)
the code is replaced wherever it appears, ignoring case: a name such as `er-CR-00001.csv` or
`CR-00001_march.csv` holds the code next to characters that would continue it in a message. A
joint case's client, coded `<client_id>/<participant_id>` by the import, is also matched where
the import names them as "<client_id>, participant <participant_id>", and in a file by a line
that holds both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models
from django.utils import timezone

from reattune.imports.checks import JOINT_SEPARATOR
from reattune.imports.models import ImportJob, ImportStatus

ERASED_CLIENT = "[erased client]"
# What the imports app's own cancel (the import_cancel view) does to a checked job, applied also
# to a queued one: the task claims only a queued job, so a cancelled one never runs.
WAITING = (ImportStatus.CHECKED, ImportStatus.QUEUED)
RUNNING = (ImportStatus.RUNNING,)
SCRUBBED = f"import problem messages naming them (the code becomes {ERASED_CLIENT})"
CANCELLED = (
    "uploaded import files holding their rows, waiting for the go-ahead "
    "(the file is deleted and the import cancelled)"
)
BUSY = "imports running now with their rows (erasure is refused until they end)"
# Characters that continue a code: "C-01" is not in "C-0142" nor in "C-01/p1".
_EDGE_BEFORE = r"(?<![\w/-])"
_EDGE_AFTER = r"(?![\w/-])"


def _whole(text: str) -> str:
    return _EDGE_BEFORE + re.escape(text) + _EDGE_AFTER


@dataclass(frozen=True)
class CodePatterns:
    """Where a client's code appears in an import's messages and in its file."""

    in_messages: tuple[re.Pattern[str], ...]
    in_lines: tuple[tuple[re.Pattern[str], ...], ...]  # a line matches if all of one tuple do
    in_file_name: re.Pattern[str]

    @classmethod
    def of(cls, code: str) -> CodePatterns:
        code = code.strip()
        whole = re.compile(_whole(code), re.IGNORECASE)
        messages = [whole]
        lines: list[tuple[re.Pattern[str], ...]] = [(whole,)]
        key, separator, label = code.rpartition(JOINT_SEPARATOR)
        if separator and key and label:
            messages.append(
                re.compile(_whole(key) + r",\s+participant\s+" + _whole(label), re.IGNORECASE)
            )
            lines.append(
                (re.compile(_whole(key), re.IGNORECASE), re.compile(_whole(label), re.IGNORECASE))
            )
        anywhere = re.compile(re.escape(code), re.IGNORECASE)
        return cls(tuple(messages), tuple(lines), anywhere)

    def scrub(self, text: str) -> str:
        # The joint form first: it holds the key, which alone is not the client's code.
        for pattern in reversed(self.in_messages):
            text = pattern.sub(ERASED_CLIENT, text)
        return text

    def scrub_job(self, problems: str, file_name: str) -> tuple[str, str]:
        """A job's problems and file name without the code. The file name loses the code
        wherever it appears, and so does that name where the problems quote it."""
        scrubbed_name = self.in_file_name.sub(ERASED_CLIENT, file_name)
        if file_name and scrubbed_name != file_name:
            problems = problems.replace(file_name, scrubbed_name)
        return self.scrub(problems), scrubbed_name

    def in_file(self, path: Path) -> bool:
        try:
            with path.open(encoding="utf-8-sig", errors="replace") as f:
                return any(
                    all(p.search(line) for p in group) for line in f for group in self.in_lines
                )
        except FileNotFoundError:
            return False


@dataclass
class ImportJobsNaming:
    """The clinic's import jobs that name a client, and what erasure does with each."""

    patterns: CodePatterns
    scrub_ids: list[int] = field(default_factory=list)  # problems or file name name them
    cancel_ids: list[int] = field(default_factory=list)  # waiting, and the file names them
    running_ids: list[int] = field(default_factory=list)  # running, and the file names them

    def described(self) -> list[tuple[str, int]]:
        """What erasure does to them, in an admin's words, leaving out what there is none of."""
        kinds = ((SCRUBBED, self.scrub_ids), (CANCELLED, self.cancel_ids), (BUSY, self.running_ids))
        return [(name, len(ids)) for name, ids in kinds if ids]

    def listed(self) -> list[tuple[int, str]]:
        """Each job by id and what happens to it, for the dry run."""
        return sorted(
            [(pk, "messages: the code is replaced") for pk in self.scrub_ids]
            + [(pk, "waiting upload: cancelled, file deleted") for pk in self.cancel_ids]
            + [(pk, "running: the erasure is refused until it ends") for pk in self.running_ids]
        )


def import_jobs_naming(*, clinic_id: int, code: str) -> ImportJobsNaming:
    """Read the clinic's import jobs (their messages, and the files still on disk)."""
    found = ImportJobsNaming(CodePatterns.of(code))
    jobs = ImportJob.objects.for_clinic(clinic_id).order_by("pk")
    for pk, problems, file_name in jobs.values_list("pk", "problems", "file_name").iterator():
        if found.patterns.scrub_job(problems, file_name) != (problems, file_name):
            found.scrub_ids.append(pk)
    for job in jobs.filter(status__in=WAITING + RUNNING).only("pk", "status"):
        if found.patterns.in_file(job.upload_path):
            (found.running_ids if job.status in RUNNING else found.cancel_ids).append(job.pk)
    return found


def import_jobs_scrub(*, naming: ImportJobsNaming) -> int:
    """Replace the code in the jobs' problems and file names; how many jobs changed."""
    changed = 0
    for job in ImportJob.objects.select_for_update().filter(pk__in=naming.scrub_ids):
        problems, file_name = naming.patterns.scrub_job(job.problems, job.file_name)
        if (problems, file_name) != (job.problems, job.file_name):
            job.problems, job.file_name = problems, file_name[:200]
            job.save(update_fields=["problems", "file_name"])
            changed += 1
    return changed


def import_jobs_cancel(*, job_ids: Iterable[int]) -> list[ImportJob]:
    """Cancel the jobs that still wait (as the imports app's cancel does: only a job in a
    waiting state, in one conditional UPDATE, so a go-ahead and the cancel cannot both win).
    The caller deletes their files once its transaction commits."""
    ids = list(job_ids)
    jobs = list(ImportJob.objects.select_for_update().filter(pk__in=ids, status__in=WAITING))
    ImportJob.objects.filter(pk__in=[j.pk for j in jobs], status__in=WAITING).update(
        status=ImportStatus.CANCELLED, finished_at=timezone.now()
    )
    return jobs


def running_with(*, naming: ImportJobsNaming) -> models.QuerySet[ImportJob]:
    return ImportJob.objects.filter(pk__in=naming.running_ids, status__in=RUNNING)
