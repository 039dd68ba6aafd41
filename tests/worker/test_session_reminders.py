"""The reminder the day before a scheduled session: once per person per session, only while
the session is still on, with nothing clinical in it, and with the person's last check link
when it is still open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.cases.models import Attendance, Case, Participant, TherapySession
from reattune.cases.services import case_create, client_create, session_record
from reattune.checks.models import CheckLink
from reattune.checks.services import check_link_create
from reattune.checks.tasks import email_session_reminder
from reattune.lib.env import SettingError
from reattune.worker.clock import env_clock_or_off
from reattune.worker.models import ScheduledRun, SessionReminder
from reattune.worker.runner import ReattuneWorker
from reattune.worker.schedule import due_jobs_enqueue
from reattune.worker.tasks import send_session_reminders

pytestmark = pytest.mark.django_db
ADDRESSES = ["ann@example.org", "ben@example.org"]
CASE_TITLE = "Grief after a bereavement"
NAMES = ["Ann Example", "Ben Example"]
# Words that would tell whoever reads the email over the client's shoulder why they come.
CLINICAL_WORDS = ["therap", "counsel", "grief", "bereave", "alert", "risk", "rupture", "score",
                  "measure", "symptom", "diagnos", "treatment", "mental", "partner"]  # fmt: skip


@pytest.fixture(autouse=True)
def reminders_on(settings) -> None:
    """Reminders are off until an installation turns them on (REATTUNE_SESSION_REMINDER_AT)."""
    settings.SESSION_REMINDER_AT = dt.time(10, 0)


def test_reminders_are_off_unless_the_installation_turns_them_on(tmp_path):
    """Addresses given before reminders existed were given for check links alone."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "REATTUNE_SESSION_REMINDER_AT"}
    env |= {"REATTUNE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "reattune.settings"}
    read = "import django; django.setup(); from django.conf import settings as s; "
    shown = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", read + "print(s.SESSION_REMINDER_AT)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "None"


def run_worker() -> None:
    ReattuneWorker(batch=True, schedule=False, interval=0).run()


def remind(clinic_id: int) -> int:
    """One run of the job for the clinic, as the scheduler enqueues it."""
    return send_session_reminders.call(clinic_id=clinic_id)


@pytest.fixture
def couple(world) -> Case:
    """A couple case with a titled, clinical-sounding case, each partner with an address."""
    clients = [
        client_create(clinic=world.clinic, code=f"CPL{n}", name=name, email=address)
        for n, (name, address) in enumerate(zip(NAMES, ADDRESSES, strict=True))
    ]
    return case_create(
        clinic=world.clinic,
        kind="couple",
        clients=clients,
        clinicians=[world.clinician],
        title=CASE_TITLE,
        labels=["Partner A", "Partner B"],
    )


def session_in(case: Case, days: int, attendance: str = Attendance.SCHEDULED) -> TherapySession:
    return session_record(
        case=case, date=timezone.localdate() + dt.timedelta(days=days), attendance=attendance
    )


def partners(case: Case) -> list[Participant]:
    return list(case.participants.select_related("client").order_by("pk"))


def sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_each_person_gets_one_reminder_however_often_the_job_runs(world, couple):
    tomorrow = session_in(couple, days=1)
    assert remind(world.clinic.pk) == 2
    assert remind(world.clinic.pk) == 0, "already enqueued, nothing twice"
    run_worker()
    assert sent_to() == ADDRESSES, "one each, to their own address"
    assert {m.subject for m in mail.outbox} == {
        f"A reminder: your session at {world.clinic.name} on {tomorrow.date:%A} "
        f"{tomorrow.date.day} {tomorrow.date:%B}"
    }
    assert all(r.sent_at is not None for r in SessionReminder.objects.all())

    # Neither another run of the job nor the reminder's task run again sends more.
    assert remind(world.clinic.pk) == 0
    for person in partners(couple):
        again = email_session_reminder.call(
            session_id=tomorrow.pk, participant_id=person.pk, clinic_id=world.clinic.pk
        )
        assert again is False
    run_worker()
    assert len(mail.outbox) == 2


def test_the_scheduler_enqueues_the_job_once_a_day_after_its_time(world, couple, settings):
    settings.SESSION_REMINDER_AT = dt.time(10, 0)
    session_in(couple, days=1)
    today = timezone.localtime().replace(second=0, microsecond=0)
    assert "session_reminders" not in {r.job for r in due_jobs_enqueue(now=today.replace(hour=9))}
    assert "session_reminders" in {r.job for r in due_jobs_enqueue(now=today.replace(hour=10))}
    assert "session_reminders" not in {r.job for r in due_jobs_enqueue(now=today.replace(hour=16))}
    run_worker()
    assert sent_to() == ADDRESSES
    assert ScheduledRun.objects.filter(job="session_reminders").count() == 1


def test_the_email_gives_the_date_and_the_clinic_and_nothing_clinical(world, couple):
    tomorrow = session_in(couple, days=1)
    remind(world.clinic.pk)
    run_worker()
    message = mail.outbox[0]
    assert f"{tomorrow.date.day} {tomorrow.date:%B %Y}" in message.body
    assert world.clinic.name in message.body
    everything = f"{message.subject}\n{message.body}".lower()
    for word in [*CLINICAL_WORDS, CASE_TITLE.lower(), *(n.lower() for n in NAMES), "cpl"]:
        assert word not in everything, word
    assert world.clinician.full_name.lower() not in everything
    assert "/c/" not in message.body, "no open check link, so no link"


def test_no_reminder_for_a_session_not_scheduled_for_tomorrow(world, couple):
    session_in(couple, days=1, attendance=Attendance.CANCELLED)
    session_in(couple, days=1, attendance=Attendance.ATTENDED)
    session_in(couple, days=1, attendance=Attendance.NO_SHOW)
    session_in(couple, days=0)
    session_in(couple, days=2)
    session_in(couple, days=-1)
    assert remind(world.clinic.pk) == 0
    assert not SessionReminder.objects.exists()


def test_no_reminder_for_a_client_without_an_address_or_a_closed_case(world, couple):
    session_in(couple, days=1)
    _, ben = partners(couple)
    ben.client.email = ""
    ben.client.save()
    assert remind(world.clinic.pk) == 1
    run_worker()
    assert sent_to() == [ADDRESSES[0]]

    closed = case_create(
        clinic=world.clinic,
        kind="individual",
        clients=[client_create(clinic=world.clinic, code="SOLO", email="solo@example.org")],
        clinicians=[world.clinician],
        opened_on=timezone.localdate() - dt.timedelta(days=30),
    )
    session_in(closed, days=1)
    Case.objects.filter(pk=closed.pk).update(closed_on=timezone.localdate())
    assert remind(world.clinic.pk) == 0


def test_another_clinics_run_reminds_nobody_here(world, other_world, couple):
    session_in(couple, days=1)
    assert remind(other_world.clinic.pk) == 0
    assert remind(world.clinic.pk) == 2


@pytest.mark.parametrize(
    "change",
    ["cancelled", "attended", "moved to today", "address removed", "case closed", "turned off"],
)
def test_the_reminder_looks_again_before_it_sends(world, couple, settings, change):
    tomorrow = session_in(couple, days=1)
    assert remind(world.clinic.pk) == 2
    sessions = TherapySession.objects.filter(pk=tomorrow.pk)
    if change == "cancelled":
        sessions.update(attendance=Attendance.CANCELLED)
    elif change == "attended":
        sessions.update(attendance=Attendance.ATTENDED)
    elif change == "moved to today":
        sessions.update(date=timezone.localdate())
    elif change == "address removed":
        for person in partners(couple):
            person.client.email = ""
            person.client.save()
    elif change == "case closed":
        Case.objects.filter(pk=couple.pk).update(closed_on=timezone.localdate())
    else:
        settings.SESSION_REMINDER_AT = None
    run_worker()
    assert mail.outbox == []
    results = DBTaskResult.objects.filter(task_path__endswith="email_session_reminder")
    assert [r.return_value for r in results] == [False, False]
    assert set(r.status for r in results) == {"SUCCESSFUL"}


def test_a_session_moved_to_a_later_day_is_reminded_of_the_day_before_it(world, couple):
    tomorrow = session_in(couple, days=1)
    remind(world.clinic.pk)
    TherapySession.objects.filter(pk=tomorrow.pk).update(
        date=timezone.localdate() + dt.timedelta(days=7)
    )
    run_worker()
    assert mail.outbox == []
    assert not SessionReminder.objects.exists(), "free to be reminded again"
    # Six days later, the session is tomorrow again.
    TherapySession.objects.filter(pk=tomorrow.pk).update(
        date=timezone.localdate() + dt.timedelta(days=1)
    )
    assert remind(world.clinic.pk) == 2
    run_worker()
    assert sent_to() == ADDRESSES


def test_an_open_check_link_from_an_earlier_session_comes_with_the_reminder(world, couple):
    last = session_in(couple, days=-3, attendance=Attendance.ATTENDED)
    ann, ben = partners(couple)
    link = check_link_create(session=last, participant=ann, created_by=world.clinician)
    emailed = timezone.now() - dt.timedelta(days=2)
    CheckLink.objects.filter(pk=link.pk).update(emailed_at=emailed, emailed_to=ADDRESSES[0])
    answered = check_link_create(session=last, participant=ben, created_by=world.clinician)
    CheckLink.objects.filter(pk=answered.pk).update(used_at=timezone.now(), emailed_at=emailed)
    session_in(couple, days=1)
    remind(world.clinic.pk)
    run_worker()

    to_ann, to_ben = sorted(mail.outbox, key=lambda m: m.to)
    assert f"/c/{link.token}/" in to_ann.body
    assert "tell us how the last one" in to_ann.body
    assert f"{last.date.day} {last.date:%B}" in to_ann.body
    assert "/c/" not in to_ben.body and "tell us how" not in to_ben.body, "theirs was answered"
    everything = f"{to_ann.subject}\n{to_ann.body}".lower()
    assert not [word for word in CLINICAL_WORDS if word in everything]
    link.refresh_from_db()
    assert link.emailed_at == emailed, "the link's own email and reminder are left as they were"


def test_a_link_never_emailed_stays_out_of_the_reminder(world, couple):
    """A link the clinician gave another way (on paper, a QR code) was kept out of the
    client's inbox on purpose: the reminder does not put it there."""
    last = session_in(couple, days=-3, attendance=Attendance.ATTENDED)
    ann, _ = partners(couple)
    link = check_link_create(session=last, participant=ann, created_by=world.clinician)
    session_in(couple, days=1)
    remind(world.clinic.pk)
    run_worker()
    to_ann = next(m for m in mail.outbox if m.to == [ADDRESSES[0]])
    assert link.token not in to_ann.body and "/c/" not in to_ann.body


def test_an_expired_link_or_one_from_another_case_is_not_included(world, couple):
    last = session_in(couple, days=-5, attendance=Attendance.ATTENDED)
    ann, _ = partners(couple)
    link = check_link_create(session=last, participant=ann, created_by=world.clinician)
    CheckLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    # Ann also has an open link in a case of her own: not about these sessions.
    own = case_create(
        clinic=world.clinic, kind="individual", clients=[ann.client], clinicians=[world.clinician]
    )
    own_session = session_in(own, days=-1, attendance=Attendance.ATTENDED)
    other = check_link_create(
        session=own_session, participant=own.participants.get(), created_by=world.clinician
    )
    session_in(couple, days=1)
    remind(world.clinic.pk)
    run_worker()
    to_ann = next(m for m in mail.outbox if m.to == [ADDRESSES[0]])
    assert link.token not in to_ann.body and other.token not in to_ann.body
    assert "/c/" not in to_ann.body


def test_the_setting_turns_session_reminders_off(world, couple, settings):
    settings.SESSION_REMINDER_AT = None
    session_in(couple, days=1)
    noon = timezone.localtime().replace(hour=12, minute=0)
    made = {run.job for run in due_jobs_enqueue(now=noon)}
    assert "session_reminders" not in made and "link_reminders" in made
    assert remind(world.clinic.pk) == 0, "a run queued before it was turned off"
    run_worker()
    assert mail.outbox == []
    assert not SessionReminder.objects.exists()


def test_pruning_forgets_old_reminders_only(world, couple, settings):
    from reattune.worker.housekeeping import records_prune

    session_in(couple, days=1)
    remind(world.clinic.pk)
    run_worker()
    records_prune()
    assert SessionReminder.objects.count() == 2, "recent: kept, so nobody is reminded twice"
    SessionReminder.objects.update(
        enqueued_at=timezone.now() - dt.timedelta(days=settings.TASK_RESULT_DAYS + 1)
    )
    records_prune()
    assert not SessionReminder.objects.exists()


def test_the_time_setting_takes_a_time_or_off_and_names_itself_when_wrong(monkeypatch):
    name = "REATTUNE_SESSION_REMINDER_AT"
    for raw, read in [("off", None), ("OFF", None), ("18:30", dt.time(18, 30)), ("", dt.time(10))]:
        monkeypatch.setenv(name, raw)
        assert env_clock_or_off(name, "10:00") == read, raw
    monkeypatch.setenv(name, "the day before")
    with pytest.raises(SettingError, match=f"{name} must be a time of day as HH:MM .* or off"):
        env_clock_or_off(name, "10:00")
