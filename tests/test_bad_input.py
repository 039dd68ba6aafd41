"""Bad input and abuse, tried as a person would: every form, every URL with an id, the check link.

Each test asserts what Reattune should do: a clear message in words a clinician or client
understands, the right status, and nothing already stored lost or changed. No request may ever
answer 500 (the test client re-raises a view's exception, so a 500 fails the test).

A new finding goes in as a test marked `xfail(strict=True)` with the problem in one line as its
reason, until the code is fixed and the mark deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail, signing
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode

from reattune.alerts.models import Alert, AlertStatus
from reattune.alerts.services import alerts_raise_for_session
from reattune.cases.models import Attendance, Case, TherapySession
from reattune.cases.models import Client as ClientRecord
from reattune.checks.models import LINK_SALT, CheckLink, Response
from reattune.checks.services import (
    LINK_EXPIRED,
    LINK_INVALID,
    LINK_USED,
    check_link_create,
)
from reattune.clinics.http import NO_CLINIC
from reattune.clinics.models import Supervision, User
from reattune.clinics.views import ADMINS_ONLY
from reattune.measures.forms import EVERY_N_ERROR, ORDER_ERROR
from reattune.measures.models import MeasureSchedule
from reattune.measures.registry import all_definitions
from tests.checks.helpers import full_check
from tests.factories import PASSWORD, ClinicWorld, make_case, make_client, make_session

pytestmark = pytest.mark.django_db

ON_SQLITE = connection.vendor == "sqlite"
HUGE = 2**70  # bigger than any database integer
MEGABYTE = 1_000_000
THANKS = "Your answers have reached your therapist."
NOTHING_SENT = "Nothing has been sent yet"


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def link(world: ClinicWorld) -> CheckLink:
    return check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )


def check_url(link_or_token: CheckLink | str) -> str:
    token = link_or_token.token if isinstance(link_or_token, CheckLink) else link_or_token
    return reverse("check_form", args=[token])


def body(response: Any) -> str:
    return str(response.content.decode())


def flashed(response: Any) -> list[str]:
    """The one-off messages on the page a followed redirect ended on."""
    return [str(m) for m in response.context["messages"]]


def stored_responses() -> list[tuple[str, dict[str, Any], int]]:
    return list(
        Response.objects.order_by("measure_id").values_list("measure_id", "answers", "total")
    )


def assert_link_unused(link: CheckLink) -> None:
    link.refresh_from_db()
    assert link.used_at is None, "a refused submission must not use up the link"
    assert Response.objects.filter(link=link).count() == 0


def answered(world: ClinicWorld) -> tuple[CheckLink, Alert]:
    """The world's main case with an answered check and the safety alert it raised."""
    link = check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )
    Client().post(check_url(link), full_check(phq9__q9=1))
    # Tests run inside a transaction, so the on-commit alerting is run here by hand.
    alerts_raise_for_session(session=world.session)
    alert = Alert.objects.filter(case=world.case).order_by("pk").first()
    assert alert is not None, "a safety answer raises an alert"
    return link, alert


def schedule_rows(world: ClinicWorld) -> list[tuple[str, int, int, bool]]:
    return list(
        MeasureSchedule.objects.filter(clinic=world.clinic)
        .order_by("measure_id")
        .values_list("measure_id", "every_n_sessions", "position", "active")
    )


def valid_schedule_post() -> dict[str, str]:
    data: dict[str, str] = {}
    for n, measure_id in enumerate(sorted(all_definitions()), start=1):
        data |= {
            f"{measure_id}-runs": "on",
            f"{measure_id}-every": "2",
            f"{measure_id}-order": str(n),
        }
    return data


# --- 1. The client's check form: answers ------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Please answer this question."),
        ("   ", "Please answer this question."),
        ("\t\n", "Please answer this question."),
        ("2.5", "Please choose one of the answers given."),
        ("2.0", "Please choose one of the answers given."),
        ("1e3", "Please choose one of the answers given."),
        ("-1", "Please choose a value from 0 to 3."),
        ("4", "Please choose a value from 0 to 3."),
        ("1_0", "Please choose a value from 0 to 3."),
        ("\x00", "Please choose one of the answers given."),
        ("3\x00", "Please choose one of the answers given."),
        ("😀", "Please choose one of the answers given."),
        ("three", "Please choose one of the answers given."),
        ("true", "Please choose one of the answers given."),
        ("[1]", "Please choose one of the answers given."),
        ("x" * 10_000, "Please choose one of the answers given."),
        ("9" * MEGABYTE, "Please choose one of the answers given."),
    ],
    ids=repr,
)
def test_a_bad_value_for_the_safety_item_is_named_and_uses_nothing_up(client, link, value, message):
    response = client.post(check_url(link), full_check(phq9__q9=value))
    assert response.status_code == 400
    page = body(response)
    assert message in page
    assert NOTHING_SENT in page
    assert len(page) < 100_000, "an absurd value is not echoed back in full"
    assert_link_unused(link)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Please answer this question."),
        ("maybe", "Please answer yes or no."),
        ("yes\x00", "Please answer yes or no."),
        ("y", "Please answer yes or no."),
        ("👍", "Please answer yes or no."),
        ("yes" * 5_000, "Please answer yes or no."),
    ],
    ids=repr,
)
def test_a_bad_value_for_felt_off_is_named_and_uses_nothing_up(client, link, value, message):
    response = client.post(check_url(link), full_check(alliance__felt_off=value))
    assert response.status_code == 400
    assert message in body(response)
    assert_link_unused(link)


@pytest.mark.parametrize("value", ["YES", " yes ", "Yes"])
def test_felt_off_accepts_yes_however_it_is_written(client, link, value):
    response = client.post(check_url(link), full_check(alliance__felt_off=value))
    assert THANKS in body(response)
    assert Response.objects.get(measure_id="alliance").answers["felt_off"] == "yes"


@pytest.mark.parametrize("size", [1_001, 10_000, MEGABYTE])
def test_an_over_long_comment_is_refused_with_its_length_and_uses_nothing_up(client, link, size):
    response = client.post(check_url(link), full_check(alliance__change="x" * size))
    assert response.status_code == 400
    page = body(response)
    assert f"Please keep this to 1000 characters or fewer (it is {size} now)." in page
    assert len(page) < 100_000, "the re-shown comment is cut short, not a megabyte page"
    assert_link_unused(link)


def test_a_whitespace_only_comment_counts_as_no_comment(client, link):
    client.post(check_url(link), full_check(alliance__change="  \n\t  "))
    assert "change" not in Response.objects.get(measure_id="alliance").answers


def test_a_comment_of_emoji_and_other_scripts_is_kept_exactly(client, link):
    comment = "😀 felt rushed — سريع — 急いで " * 10
    client.post(check_url(link), full_check(alliance__change=comment))
    assert Response.objects.get(measure_id="alliance").answers["change"] == comment.strip()


def test_a_nul_byte_in_the_comment_is_never_a_server_error_nor_stored(client, link):
    response = client.post(check_url(link), full_check(alliance__change="too\x00fast"))
    assert response.status_code in (200, 400)
    for answers in Response.objects.values_list("answers", flat=True):
        assert not any("\x00" in str(v) for v in answers.values())
    if response.status_code == 400:
        assert_link_unused(link)


@pytest.mark.parametrize("values", [["2", "0"], ["0", "2"]])
def test_two_answers_to_the_safety_question_are_refused_not_silently_cut(client, link, values):
    response = client.post(check_url(link), full_check() | {"phq9-q9": values})
    assert response.status_code == 400
    assert "phq9-q9-error" in body(response)
    assert_link_unused(link)


def test_answers_for_questions_the_link_does_not_ask_are_ignored(client, link):
    extra = {"core10-q1": "4", "phq9-q99": "3", "phq9-q1x": "3", "alliance-total": "40"}
    client.post(check_url(link), full_check() | extra)
    assert sorted(m for m, _, _ in stored_responses()) == ["alliance", "gad7", "phq9"]
    assert "q99" not in Response.objects.get(measure_id="phq9").answers
    assert Response.objects.get(measure_id="alliance").total == 35, "a posted total is not trusted"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {}},
        {"data": '{"phq9-q9": 2}', "content_type": "application/json"},
        {"data": "phq9-q9=%FF%FE", "content_type": "application/x-www-form-urlencoded"},
    ],
    ids=["empty", "json", "not-utf8"],
)
def test_a_post_without_form_answers_asks_for_every_answer(client, link, kwargs):
    response = client.post(check_url(link), **kwargs)
    assert response.status_code == 400
    assert "Please answer this question." in body(response)
    assert_link_unused(link)


def test_a_body_over_the_upload_limit_is_a_400_not_a_500(client, link, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    response = client.post(check_url(link), full_check(alliance__change="x" * 200_000))
    assert response.status_code == 400
    assert_link_unused(link)


# --- 2. The check link itself -----------------------------------------------------------------


def _sign(value: str) -> str:
    return signing.Signer(salt=LINK_SALT, sep=".").sign(value)


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-1], id="last-character-cut"),
        pytest.param(lambda t: t[: len(t) // 2], id="cut-in-half"),
        pytest.param(lambda t: t.split(".")[0] + ".", id="signature-empty"),
        pytest.param(lambda t: t.swapcase(), id="case-changed"),
        pytest.param(lambda t: t + "x", id="extra-character"),
        pytest.param(lambda t: " " + t, id="leading-space"),
        pytest.param(lambda t: t.replace(".", ":"), id="other-separator"),
        pytest.param(lambda t: f"{int(t.split('.')[0]) + 1}.{t.split('.')[1]}", id="other-id"),
        pytest.param(lambda t: f"0{t}", id="zero-padded-id"),
        pytest.param(lambda t: ".", id="just-a-dot"),
        pytest.param(lambda t: "٣." + t.split(".")[1], id="unicode-digit-id"),
        pytest.param(lambda t: t + "\x00", id="nul"),
        pytest.param(lambda t: "😀", id="emoji"),
        pytest.param(lambda t: "x" * 10_000, id="10k"),
        pytest.param(lambda t: _sign(str(HUGE)), id="validly-signed-huge-id"),
        pytest.param(lambda t: _sign("-1"), id="validly-signed-negative-id"),
        pytest.param(lambda t: _sign("abc"), id="validly-signed-non-number"),
        pytest.param(lambda t: _sign("1e3"), id="validly-signed-float"),
    ],
)
def test_a_damaged_or_forged_link_is_refused_kindly_and_stores_nothing(client, link, mangle):
    bad = check_url(mangle(link.token))
    for response in (client.get(bad), client.post(bad, full_check())):
        assert response.status_code == 404
        assert escape(LINK_INVALID) in body(response)
    assert_link_unused(link)


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options", "head"])
def test_other_http_methods_are_refused_and_use_nothing_up(client, link, method):
    response = getattr(client, method)(check_url(link), full_check())
    assert response.status_code == 405
    assert_link_unused(link)


def test_opening_the_link_any_number_of_times_does_not_use_it_up(client, link):
    # Email scanners and chat apps fetch a link to preview it before the client taps it.
    for _ in range(3):
        assert client.get(check_url(link)).status_code == 200
    assert_link_unused(link)
    assert THANKS in body(client.post(check_url(link), full_check()))


def test_a_submit_with_a_problem_leaves_the_link_usable(client, link):
    assert client.post(check_url(link), full_check(phq9__q1="7")).status_code == 400
    assert client.post(check_url(link), full_check(phq9__q1="x" * 10_000)).status_code == 400
    assert_link_unused(link)
    response = client.post(check_url(link), full_check())
    assert THANKS in body(response)
    assert Response.objects.count() == 3


def test_a_replay_after_use_changes_nothing_stored(
    client, link, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(check_url(link), full_check(phq9__q9=1, alliance__felt_off="yes"))
    before = stored_responses()
    alerts_before = list(Alert.objects.values_list("pk", "signal"))
    link.refresh_from_db()
    used_at = link.used_at

    replays = [
        client.get(check_url(link)),
        Client().post(check_url(link), full_check(phq9__q9=0, alliance__felt_off="no")),
        client.post(check_url(link), full_check(phq9__q9="garbage")),
        client.post(check_url(link), {}),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        replays.append(client.post(check_url(link), full_check(phq9__q9=3)))
    for response in replays:
        assert response.status_code == 200
        assert escape(LINK_USED) in body(response)
        assert 'name="phq9-q9"' not in body(response), "no form to fill in again"
    assert stored_responses() == before
    assert list(Alert.objects.values_list("pk", "signal")) == alerts_before
    link.refresh_from_db()
    assert link.used_at == used_at


def test_an_expired_link_says_so_even_for_bad_answers_and_stays_unused(client, link):
    CheckLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    for response in (
        client.get(check_url(link)),
        client.post(check_url(link), full_check()),
        client.post(check_url(link), full_check(phq9__q9="x" * 10_000)),
    ):
        assert response.status_code == 410
        assert escape(LINK_EXPIRED) in body(response)
    assert_link_unused(link)


@pytest.mark.django_db(transaction=True)
def test_two_phones_submitting_the_same_link_at_once_store_one_set(world):
    link = check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )
    url = check_url(link)
    start = threading.Barrier(2)
    # The test database on SQLite is in memory with a shared cache, where two writers at once
    # fail with "database table is locked" instead of waiting as the real WAL file does; there
    # the two requests take turns. On PostgreSQL they truly race.
    one_at_a_time = threading.Lock() if ON_SQLITE else contextlib.nullcontext()
    outcomes: list[tuple[int, str] | str] = []

    def submit(respected: int) -> None:
        try:
            phone = Client()
            start.wait(timeout=10)
            with one_at_a_time:
                response = phone.post(url, full_check(alliance__respected=respected))
            outcomes.append((response.status_code, body(response)))
        except Exception as e:  # a crash in the thread must fail the test, not vanish
            outcomes.append(repr(e))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in (2, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert sorted(o[0] for o in outcomes if isinstance(o, tuple)) == [200, 200]
    pages = [o[1] for o in outcomes if isinstance(o, tuple)]
    assert sum(THANKS in p for p in pages) == 1
    assert sum(escape(LINK_USED) in p for p in pages) == 1
    assert Response.objects.count() == 3
    assert Response.objects.get(measure_id="alliance").answers["respected"] in (2, 7)


@pytest.mark.parametrize("attendance", [Attendance.CANCELLED, Attendance.NO_SHOW, "scheduled"])
def test_a_link_stops_taking_answers_once_its_session_is_marked_not_attended(
    client, world, link, login, attendance
):
    login(world.clinician).post(
        reverse("session_attendance", args=[world.session.pk]), {"attendance": attendance}
    )
    world.session.refresh_from_db()
    assert world.session.attendance == attendance
    phone = Client()
    for response in (phone.get(check_url(link)), phone.post(check_url(link), full_check())):
        assert 'name="phq9-q9"' not in body(response)
        assert THANKS not in body(response)
        assert 'role="status"' in body(response), "a plain message instead"
    assert Response.objects.count() == 0


def test_the_session_page_offers_no_live_link_once_the_session_is_cancelled(world, link, login):
    clinician = login(world.clinician)
    clinician.post(
        reverse("session_attendance", args=[world.session.pk]), {"attendance": "cancelled"}
    )
    page = body(clinician.get(reverse("session_checks", args=[world.session.pk])))
    assert link.token not in page
    assert "<svg" not in page


def test_no_link_can_be_made_for_a_session_not_attended(world, login):
    session = make_session(world.case, 2, attendance=Attendance.CANCELLED)
    participant = world.case.participants.get()
    response = login(world.clinician).post(
        reverse("link_create", args=[session.pk, participant.pk]), follow=True
    )
    assert flashed(response) == ["A check can only be sent for a session that took place."]
    assert CheckLink.objects.count() == 0


def test_a_phone_with_its_cookie_and_token_can_send_answers(link):
    """The ordinary path with CSRF checks on, so the finding below is about the cookie alone."""
    phone = Client(enforce_csrf_checks=True)
    form = phone.get(check_url(link))
    token = form.context["csrf_token"]
    response = phone.post(check_url(link), full_check() | {"csrfmiddlewaretoken": str(token)})
    assert THANKS in body(response)


def test_a_phone_without_its_csrf_cookie_still_sends_its_answers(link):
    """The signed single-use link is the form's key, so a phone whose CSRF cookie has gone
    (form left open, cookies cleared, in-app browser) loses nothing: the answers arrive."""
    phone = Client(enforce_csrf_checks=True)
    response = phone.post(
        check_url(link),
        full_check(alliance__change="I felt rushed") | {"csrfmiddlewaretoken": "stale"},
    )
    assert "CSRF verification failed" not in body(response)
    assert THANKS in body(response)
    assert Response.objects.get(measure_id="alliance").answers["change"] == "I felt rushed"


# --- 3. Forms behind the login ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code", "", "Please give the client a code."),
        ("code", "   ", "Please give the client a code."),
        ("code", "x" * 41, "Please keep the code to 40 characters or fewer."),
        ("code", "x" * MEGABYTE, "Please keep the code to 40 characters or fewer."),
        ("code", "\x00", "Null characters are not allowed."),
        ("code", "HS\x000142", "Null characters are not allowed."),
        ("name", "x" * 201, "at most 200 characters"),
        ("name", "\x00", "Null characters are not allowed."),
        ("date_of_birth", "2.5", "Please enter a real date, for example 1990-04-21."),
        ("date_of_birth", "1e3", "Please enter a real date, for example 1990-04-21."),
        ("date_of_birth", "-1", "Please enter a real date, for example 1990-04-21."),
        ("date_of_birth", "1990-02-30", "Please enter a real date, for example 1990-04-21."),
        ("date_of_birth", "١٩٩٠-٠٤-٢١", "Please enter a real date, for example 1990-04-21."),
        ("date_of_birth", "x" * 10_000, "Please enter a real date, for example 1990-04-21."),
        ("date_of_birth", "\x00", "Please enter a real date, for example 1990-04-21."),
        ("email", "not-an-email", "Please enter an email address like name@example.org."),
        ("email", "x" * 10_000, "Please enter an email address like name@example.org."),
        ("email", "a@b\x00.org", "Please enter an email address like name@example.org."),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_client_form_names_each_bad_value(world, login, field, value, message):
    before = ClientRecord.objects.count()
    response = login(world.clinician).post(
        reverse("client_create"), {"code": "HS-0142"} | {field: value}
    )
    assert response.status_code == 200
    assert escape(message) in body(response)
    assert ClientRecord.objects.count() == before


@pytest.mark.parametrize("code", ["hs-0142", " HS-0142 ", "HS-0142\t"])
def test_a_taken_client_code_in_other_case_or_spacing_is_refused(world, login, code):
    make_client(world.clinic, "HS-0142")
    response = login(world.clinician).post(reverse("client_create"), {"code": code})
    assert response.status_code == 200
    assert escape("Another client in this clinic already has the code") in body(response)
    assert ClientRecord.objects.filter(code__iexact="hs-0142").count() == 1


def test_client_codes_may_use_any_script(world, login):
    response = login(world.clinician).post(reverse("client_create"), {"code": "Ω-😀-ب"})
    assert response.status_code == 302
    assert ClientRecord.objects.filter(code="Ω-😀-ب").exists()


@pytest.mark.parametrize("code", ["\u200b", "\u200b\u2060", "HS\n0142", "HS\x1b0142"], ids=repr)
def test_an_invisible_or_control_character_client_code_is_refused(world, login, code):
    before = ClientRecord.objects.count()
    response = login(world.clinician).post(reverse("client_create"), {"code": code})
    assert response.status_code == 200
    assert 'id="id_code-errors"' in body(response)
    assert ClientRecord.objects.count() == before


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u2060"], ids=repr)
def test_an_invisible_person_name_is_refused(world, login, name):
    before = User.objects.count()
    response = login(world.admin).post(
        reverse("person_new"), {"email": "n@example.org", "full_name": name, "role": "clinician"}
    )
    assert response.status_code == 200
    assert 'id="id_full_name-errors"' in body(response)
    assert User.objects.count() == before


@pytest.mark.parametrize("born", ["2999-01-01", "0001-01-01"])
def test_an_impossible_date_of_birth_is_refused(world, login, born):
    before = ClientRecord.objects.count()
    response = login(world.clinician).post(
        reverse("client_create"), {"code": "HS-0142", "date_of_birth": born}
    )
    assert response.status_code == 200
    assert 'id="id_date_of_birth-errors"' in body(response)
    assert ClientRecord.objects.count() == before


def _case_post(world: ClinicWorld, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": "individual",
        "title": "",
        "clients": [str(world.case.participants.get().client_id)],
    } | overrides


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"kind": "bogus"}, "Select a valid choice."),
        ({"kind": ""}, "This field is required."),
        ({"kind": "\x00"}, "Select a valid choice."),
        ({"clients": []}, "Please choose at least one client."),
        ({"clients": [""]}, "is not a valid value"),
        ({"clients": ["abc"]}, "is not a valid value"),
        ({"clients": ["2.5"]}, "is not a valid value"),
        ({"clients": ["-1"]}, "One of the chosen clients isn't in your caseload."),
        ({"clients": ["999999"]}, "One of the chosen clients isn't in your caseload."),
        ({"clients": ["\x00"]}, "Null characters are not allowed."),
        ({"title": "x" * 201}, "at most 200 characters"),
        ({"title": "x" * MEGABYTE}, "at most 200 characters"),
        ({"title": "\x00"}, "Null characters are not allowed."),
        ({"clinicians": ["abc"]}, "is not a valid value"),
        ({"clinicians": ["999999"]}, "Select a valid choice."),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_case_form_names_each_bad_value(world, login, overrides, message):
    before = Case.objects.count()
    response = login(world.clinician).post(reverse("case_create"), _case_post(world, **overrides))
    assert response.status_code == 200
    assert escape(message) in body(response)
    assert Case.objects.count() == before


def test_case_form_refuses_another_clinics_client_and_clinician(world, other_world, login):
    before = Case.objects.count()
    outsider = other_world.case.participants.get().client_id
    clinician = login(world.clinician)
    response = clinician.post(reverse("case_create"), _case_post(world, clients=[str(outsider)]))
    assert escape("One of the chosen clients isn't in your caseload.") in body(response)
    response = clinician.post(
        reverse("case_create"), _case_post(world, clinicians=[str(other_world.clinician.pk)])
    )
    assert "Select a valid choice." in body(response)
    assert Case.objects.count() == before


def test_a_couple_case_with_the_same_person_twice_is_refused(world, login):
    same = str(world.case.participants.get().client_id)
    response = login(world.clinician).post(
        reverse("case_create"), _case_post(world, kind="couple", clients=[same, same])
    )
    assert "A couple case needs at least 2 participants." in body(response)


@pytest.mark.parametrize("field", ["clients", "clinicians"])
def test_case_form_treats_a_huge_id_as_an_unknown_choice(world, login, field):
    before = Case.objects.count()
    response = login(world.clinician).post(
        reverse("case_create"), _case_post(world, **{field: [str(HUGE)]})
    )
    assert response.status_code == 200
    assert 'class="errorlist"' in body(response)
    assert Case.objects.count() == before


def test_a_clinician_cannot_open_a_case_on_a_colleagues_client(world, login):
    theirs = world.colleague_case.participants.get().client
    clinician = login(world.clinician)
    form = body(clinician.get(reverse("case_create")))
    assert theirs.code not in form, "the form does not list clients outside the caseload"
    response = clinician.post(reverse("case_create"), _case_post(world, clients=[str(theirs.pk)]))
    assert escape("One of the chosen clients isn't in your caseload.") in body(response)
    assert (
        not Case.objects.filter(participants__client=theirs)
        .exclude(pk=world.colleague_case.pk)
        .exists()
    )
    assert clinician.get(reverse("client_detail", args=[theirs.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"number": "0"}, "Session numbers start at 1 (the intake)."),
        ({"number": "-1"}, "Session numbers start at 1 (the intake)."),
        ({"number": "2.5"}, "The session number must be a whole number."),
        ({"number": "1e3"}, "The session number must be a whole number."),
        ({"number": "abc"}, "The session number must be a whole number."),
        ({"number": "\x00"}, "The session number must be a whole number."),
        ({"number": "😀"}, "The session number must be a whole number."),
        ({"number": "1001"}, "less than or equal to 1000"),
        ({"number": str(HUGE)}, "less than or equal to 1000"),
        ({"number": "9" * 10_000}, "The session number must be a whole number."),
        (
            {"number": "1"},
            "Session 1 is already in this case's log. Pick the next free number (2).",
        ),
        ({"date": ""}, "Date: This field is required."),
        ({"date": "   "}, "Date: Please enter a real date, for example 2026-03-02."),
        ({"date": "2026-02-30"}, "Date: Please enter a real date, for example 2026-03-02."),
        ({"date": "x" * 10_000}, "Date: Please enter a real date, for example 2026-03-02."),
        ({"date": "\x00"}, "Date: Please enter a real date, for example 2026-03-02."),
        ({"date": "٢٠٢٦-٠٢-٠١"}, "Date: Please enter a real date, for example 2026-03-02."),
        ({"attendance": ""}, "Attendance: This field is required."),
        ({"attendance": "bogus"}, "Attendance: Select a valid choice."),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_session_form_names_each_bad_value(world, login, data, message):
    before = list(TherapySession.objects.values_list("pk", "number", "date", "attendance"))
    post = {"date": "2026-02-01", "attendance": "attended", "number": ""} | data
    response = login(world.clinician).post(
        reverse("session_create", args=[world.case.pk]), post, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("case_detail", args=[world.case.pk])
    assert any(message in m for m in flashed(response)), flashed(response)
    assert list(TherapySession.objects.values_list("pk", "number", "date", "attendance")) == before


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_a_session_date_far_from_today_is_refused(world, login, date):
    before = TherapySession.objects.count()
    response = login(world.clinician).post(
        reverse("session_create", args=[world.case.pk]),
        {"date": date, "attendance": "attended", "number": ""},
        follow=True,
    )
    assert any(m.startswith("Date:") for m in flashed(response)), flashed(response)
    assert TherapySession.objects.count() == before


@pytest.mark.parametrize(
    ("closed_on", "message"),
    [
        ("", "Please give the date the case closed, for example 2026-03-02."),
        ("   ", "Please give the date the case closed, for example 2026-03-02."),
        ("2.5", "Please give the date the case closed, for example 2026-03-02."),
        ("2026-02-30", "Please give the date the case closed, for example 2026-03-02."),
        ("x" * 10_000, "Please give the date the case closed, for example 2026-03-02."),
        ("\x00", "Please give the date the case closed, for example 2026-03-02."),
        ("2000-01-01", "A case cannot close before it opened."),
        ("0001-01-01", "A case cannot close before it opened."),
    ],
    ids=lambda v: repr(v)[:30],
)
def test_closing_a_case_with_a_bad_date_says_why_and_keeps_it_open(
    world, login, closed_on, message
):
    response = login(world.clinician).post(
        reverse("case_close", args=[world.case.pk]), {"closed_on": closed_on}, follow=True
    )
    assert flashed(response) == [message]
    world.case.refresh_from_db()
    assert world.case.closed_on is None


def test_closing_a_case_twice_keeps_the_first_date(world, login):
    clinician = login(world.clinician)
    today = timezone.localdate()
    url = reverse("case_close", args=[world.case.pk])
    clinician.post(url, {"closed_on": today.isoformat()}, follow=True)
    later = (today + dt.timedelta(days=1)).isoformat()
    response = clinician.post(url, {"closed_on": later}, follow=True)
    assert flashed(response) == [f"This case was already closed on {today:%d %b %Y}."]
    world.case.refresh_from_db()
    assert world.case.closed_on == today


def test_a_case_cannot_be_closed_far_in_the_future(world, login):
    response = login(world.clinician).post(
        reverse("case_close", args=[world.case.pk]), {"closed_on": "9999-12-31"}, follow=True
    )
    assert not any(m.startswith("Case closed") for m in flashed(response))
    world.case.refresh_from_db()
    assert world.case.closed_on is None


@pytest.mark.parametrize("value", ["", "bogus", "\x00", "cancelled\x00", "x" * 10_000, "ATTENDED"])
def test_attendance_form_names_a_bad_value_and_keeps_the_old_one(world, login, value):
    response = login(world.clinician).post(
        reverse("session_attendance", args=[world.session.pk]), {"attendance": value}, follow=True
    )
    assert flashed(response) == ["Please choose attended, cancelled, did not attend or scheduled."]
    world.session.refresh_from_db()
    assert world.session.attendance == Attendance.ATTENDED


@pytest.mark.parametrize("field", ["every", "order"])
@pytest.mark.parametrize(
    "value", ["", "   ", "0", "-1", "2.5", "1e3", "100", str(HUGE), "x" * 10_000, "\x00", "😀"]
)
def test_schedule_form_names_a_bad_number_and_saves_nothing(world, login, field, value):
    before = schedule_rows(world)
    data = valid_schedule_post() | {f"phq9-{field}": value}
    response = login(world.admin).post(reverse("measure_schedule"), data)
    assert response.status_code == 200
    page = body(response)
    assert "Nothing was saved." in page
    assert (EVERY_N_ERROR if field == "every" else ORDER_ERROR) in page
    assert schedule_rows(world) == before


def test_schedule_form_with_nothing_posted_saves_nothing(world, login):
    before = schedule_rows(world)
    response = login(world.admin).post(reverse("measure_schedule"), {})
    assert "Nothing was saved." in body(response)
    assert schedule_rows(world) == before


def test_only_a_clinic_admin_can_post_the_schedule(world, login):
    before = schedule_rows(world)
    response = login(world.clinician).post(reverse("measure_schedule"), valid_schedule_post())
    assert response.status_code == 403
    assert schedule_rows(world) == before


def test_the_valid_schedule_post_used_above_does_save(world, login):
    """A control: the 'saves nothing' tests above would prove nothing if this post saved nothing."""
    before = schedule_rows(world)
    response = login(world.admin).post(reverse("measure_schedule"), valid_schedule_post())
    assert response.status_code == 302
    assert schedule_rows(world) != before


def test_text_a_person_typed_is_shown_as_text_never_as_markup(world, login):
    code = "<script>x()</script>"
    comment = '"></textarea><img src=x onerror=alert(1)>'
    case = make_case(world.clinician, clients=[make_client(world.clinic, code)])
    session = make_session(case, 1)
    link = check_link_create(
        session=session, participant=case.participants.get(), created_by=world.clinician
    )
    phone = Client()
    shown_again = body(
        phone.post(check_url(link), full_check(phq9__q1="9", alliance__change=comment))
    )
    assert "<img src=x" not in shown_again
    phone.post(
        check_url(link),
        full_check(phq9__q9=2, alliance__felt_off="yes", alliance__change=comment),
    )
    alerts_raise_for_session(session=session)  # on-commit work, run by hand inside the test
    alert = Alert.objects.filter(case=case).order_by("pk").first()
    assert alert is not None, "a safety answer raises an alert"
    client_id = case.participants.get().client_id
    clinician = login(world.clinician)
    for path in [
        reverse("home"),
        reverse("client_list"),
        reverse("client_detail", args=[client_id]),
        reverse("case_detail", args=[case.pk]),
        reverse("session_checks", args=[session.pk]),
        reverse("alert_detail", args=[alert.pk]),
    ]:
        page = body(clinician.get(path))
        assert "<script>x()" not in page, path
        assert "<img src=x" not in page, path


# --- 3b. Logging in and resetting a password --------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["right", "nobody@example.org", "x" * 10_000, "😀@example.org"],
)
def test_a_wrong_email_or_password_gets_a_plain_message(client, world, username):
    if username == "right":
        username = world.clinician.email
    response = client.post(reverse("login"), {"username": username, "password": "no"})
    assert "That email and password don't match an active account." in body(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [
        {"username": "", "password": ""},
        {"username": "someone@example.org", "password": ""},
        {"username": "", "password": "x"},
        {"username": "a\x00@example.org", "password": "x"},
    ],
    ids=["both-empty", "no-password", "no-email", "nul-email"],
)
def test_a_login_with_a_missing_or_bad_field_says_what_is_wrong(client, data):
    response = client.post(reverse("login"), data)
    assert response.status_code == 200
    page = body(response)
    assert "message-error" in page or "errorlist" in page
    assert "_auth_user_id" not in client.session


def test_a_megabyte_password_is_just_a_wrong_password(client, world):
    response = client.post(
        reverse("login"), {"username": world.clinician.email, "password": "x" * MEGABYTE}
    )
    assert response.status_code == 200
    assert "message-error" in body(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("change", [str.capitalize, str.upper], ids=["Capitalised", "UPPER"])
def test_logging_in_ignores_the_case_of_the_email(client, world, change):
    response = client.post(
        reverse("login"), {"username": change(world.clinician.email), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, world, target):
    response = client.post(
        reverse("login"),
        {"username": world.clinician.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("not-an-email", "Enter a valid email address."),
        ("x" * 10_000, "Enter a valid email address."),
        ("a\x00@example.org", "Null characters are not allowed."),
    ],
    ids=repr,
)
def test_password_reset_names_a_bad_email_and_sends_nothing(client, email, message):
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 200
    assert message in body(response)
    assert mail.outbox == []


def test_password_reset_for_an_unknown_email_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_ignores_the_case_of_the_email(client, world):
    client.post(reverse("password_reset"), {"email": world.clinician.email.upper()})
    assert [m.to for m in mail.outbox] == [[world.clinician.email]]


@pytest.mark.parametrize(
    ("uid", "token"),
    [
        ("!!!", "abc-def"),
        ("", "x"),
        (urlsafe_base64_encode(force_bytes(HUGE)), "abc-def"),
        (urlsafe_base64_encode(b"abc"), "abc-def"),
        (urlsafe_base64_encode(b"-1"), "abc-def"),
        (urlsafe_base64_encode(b"\x00"), "abc-def"),
        (urlsafe_base64_encode(b"\xff\xfe"), "abc-def"),
        ("real", "x" * 10_000),
        ("real", "real-but-cut"),
    ],
)
def test_a_bad_password_reset_link_says_it_cannot_be_used(client, world, uid, token):
    if uid == "real":
        uid = urlsafe_base64_encode(force_bytes(world.clinician.pk))
    if token == "real-but-cut":
        token = default_token_generator.make_token(world.clinician)[:-2]
    path = f"/password-reset/{uid}/{token}/" if uid else f"/password-reset//{token}/"
    response = client.get(path, follow=True)
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert "This link can't be used" in body(response)
    world.clinician.refresh_from_db()
    assert world.clinician.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("", "", "This field is required."),
        ("   ", "   ", "This password is too short."),
        ("a long enough phrase", "a long enough phrase!", "The two password fields didn"),
        ("short", "short", "This password is too short."),
        ("with a \x00 inside it", "with a \x00 inside it", "Null characters are not allowed."),
        ("password", "password", "This password is too common."),
    ],
    ids=["empty", "spaces", "mismatch", "short", "nul", "common"],
)
def test_a_bad_new_password_is_named_and_the_old_one_still_works(
    client, world, first, second, message
):
    uid = urlsafe_base64_encode(force_bytes(world.clinician.pk))
    token = default_token_generator.make_token(world.clinician)
    form = client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": first, "new_password2": second}
    )
    assert response.status_code == 200
    assert message in body(response)
    world.clinician.refresh_from_db()
    assert world.clinician.check_password(PASSWORD)


# --- 3c. The clinic admin's people pages ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": ""}, "Please give the person's email address."),
        ({"email": "   "}, "Please give the person's email address."),
        ({"email": "not-an-email"}, "Please enter an email address like name@example.org."),
        ({"email": "x" * 10_000}, "Please enter an email address like name@example.org."),
        ({"email": "a\x00@example.org"}, "Null characters are not allowed."),
        ({"email": "TAKEN"}, "That email address already has an account"),
        ({"email": "TAKEN-ELSEWHERE"}, "That email address already has an account"),
        ({"full_name": ""}, "Please give the person's full name."),
        ({"full_name": "   "}, "Please give the person's full name."),
        ({"full_name": "x" * 201}, "Please keep the name to 200 characters or fewer."),
        ({"full_name": "x" * MEGABYTE}, "Please keep the name to 200 characters or fewer."),
        ({"full_name": "\x00"}, "Null characters are not allowed."),
        ({"role": ""}, "Please choose one of the roles listed."),
        ({"role": "bogus"}, "Please choose one of the roles listed."),
        ({"role": "ADMIN"}, "Please choose one of the roles listed."),
        ({"role": "\x00"}, "Please choose one of the roles listed."),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_new_person_form_names_each_bad_value(world, other_world, login, data, message):
    if data.get("email") == "TAKEN":
        data = {"email": world.clinician.email.upper()}
    elif data.get("email") == "TAKEN-ELSEWHERE":
        data = {"email": f"  {other_world.clinician.email}  "}
    before = User.objects.count()
    post = {"email": "new.person@example.org", "full_name": "New Person", "role": "clinician"}
    response = login(world.admin).post(reverse("person_new"), post | data)
    assert response.status_code == 200
    assert escape(message) in body(response)
    assert other_world.clinic.name not in body(response), "a taken email names no clinic"
    assert User.objects.count() == before
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"supervisor": ""}, "Please choose someone in this clinic with the supervisor role."),
        ({"supervisor": "abc"}, "Please choose someone in this clinic with the supervisor role."),
        ({"supervisor": "2.5"}, "Please choose someone in this clinic with the supervisor role."),
        ({"supervisor": "-1"}, "Please choose someone in this clinic with the supervisor role."),
        (
            {"supervisor": str(HUGE)},
            "Please choose someone in this clinic with the supervisor role.",
        ),
        ({"supervisor": "OTHER"}, "Please choose someone in this clinic with the supervisor role."),
        ({"supervisor": "SELF"}, "Please choose someone in this clinic with the supervisor role."),
        (
            {"supervisor": "CLINICIAN"},
            "Please choose someone in this clinic with the supervisor role.",
        ),
        ({"supervisor": "ADMIN"}, "Please choose someone in this clinic with the supervisor role."),
        ({"supervisor": "\x00"}, "Null characters are not allowed."),
        ({"starts_on": "2026-02-30"}, "Please enter a real date, for example 2026-01-05."),
        ({"starts_on": "x" * 10_000}, "Please enter a real date, for example 2026-01-05."),
        ({"starts_on": "\x00"}, "Please enter a real date, for example 2026-01-05."),
        ({"starts_on": "٢٠٢٦-٠١-٠٥"}, "Please enter a real date, for example 2026-01-05."),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_supervision_form_names_each_bad_value(world, other_world, login, data, message):
    stand_ins = {
        "OTHER": other_world.supervisor.pk,
        "SELF": world.colleague.pk,
        "CLINICIAN": world.clinician.pk,
        "ADMIN": world.admin.pk,
    }
    if data.get("supervisor") in stand_ins:
        data = {"supervisor": str(stand_ins[data["supervisor"]])}
    before = _snapshot()
    post = {"supervisor": str(world.supervisor.pk), "starts_on": ""} | data
    response = login(world.admin).post(
        reverse("person_supervision", args=[world.colleague.pk]), post
    )
    assert response.status_code == 200
    assert escape(message) in body(response)
    assert _snapshot() == before


@pytest.mark.parametrize("starts_on", ["0001-01-01", "9999-12-31"])
def test_a_supervision_start_far_from_today_is_refused(world, login, starts_on):
    before = Supervision.objects.count()
    response = login(world.admin).post(
        reverse("person_supervision", args=[world.colleague.pk]),
        {"supervisor": str(world.supervisor.pk), "starts_on": starts_on},
    )
    assert response.status_code == 200
    assert 'id="id_starts_on-errors"' in body(response)
    assert Supervision.objects.count() == before


@pytest.mark.parametrize("role", ["", "bogus", "\x00", "x" * 10_000])
def test_person_form_names_a_bad_role_and_changes_nothing(world, login, role):
    before = _snapshot()
    response = login(world.admin).post(
        reverse("person_detail", args=[world.colleague.pk]), {"role": role, "is_active": "on"}
    )
    assert response.status_code == 200
    assert "Please choose one of the roles listed." in body(response)
    assert _snapshot() == before


def test_ending_a_supervision_twice_keeps_the_first_end(world, login):
    link = _supervision_of(world.trainee)
    admin = login(world.admin)
    admin.post(reverse("supervision_end", args=[link.pk]))
    link.refresh_from_db()
    ended = link.ends_on
    assert ended is not None
    assert admin.post(reverse("supervision_end", args=[link.pk])).status_code == 302
    link.refresh_from_db()
    assert link.ends_on == ended


# --- 4. Ids in URLs ---------------------------------------------------------------------------


def _object_urls(world: ClinicWorld) -> list[tuple[str, str]]:
    """(method, path) for every URL that names an object, with the world's own ids."""
    link, alert = answered(world)
    session, participant = world.session, world.case.participants.get()
    return [
        ("get", reverse("client_detail", args=[participant.client_id])),
        ("get", reverse("case_create_for_client", args=[participant.client_id])),
        ("get", reverse("case_detail", args=[world.case.pk])),
        ("post", reverse("session_create", args=[world.case.pk])),
        ("post", reverse("case_close", args=[world.case.pk])),
        ("post", reverse("session_attendance", args=[session.pk])),
        ("get", reverse("session_checks", args=[session.pk])),
        ("post", reverse("link_create", args=[session.pk, participant.pk])),
        ("post", reverse("link_email", args=[link.pk])),
        ("get", reverse("alert_detail", args=[alert.pk])),
        ("post", reverse("alert_acknowledge", args=[alert.pk])),
        ("get", reverse("person_detail", args=[world.trainee.pk])),
        ("post", reverse("person_detail", args=[world.trainee.pk])),
        ("post", reverse("person_reinvite", args=[world.trainee.pk])),
        ("get", reverse("person_supervision", args=[world.trainee.pk])),
        ("post", reverse("person_supervision", args=[world.trainee.pk])),
        ("post", reverse("supervision_end", args=[_supervision_of(world.trainee).pk])),
    ]


def _supervision_of(person: User) -> Supervision:
    return Supervision.objects.get(supervisee=person)


def _hostile_post(world: ClinicWorld) -> dict[str, str]:
    """Data that would change something if any view took it."""
    return {
        "attendance": "cancelled",
        "date": "2026-03-02",
        "role": "admin",
        "is_active": "",
        "supervisor": str(world.supervisor.pk),
        "closed_on": timezone.localdate().isoformat(),
    }


def _with_id(path: str, new: str) -> str:
    """The path with each number in it replaced by `new`."""
    return "/".join(new if part.isdigit() else part for part in path.split("/"))


def _snapshot() -> tuple[Any, ...]:
    return (
        list(TherapySession.objects.values_list("pk", "attendance")),
        list(Case.objects.order_by("pk").values_list("pk", "closed_on")),
        list(CheckLink.objects.values_list("pk", "used_at", "emailed_at")),
        list(Alert.objects.values_list("pk", "status")),
        Case.objects.count(),
        list(User.objects.order_by("pk").values_list("pk", "role", "is_active", "password")),
        list(Supervision.objects.order_by("pk").values_list("pk", "starts_on", "ends_on")),
        len(mail.outbox),
    )


@pytest.mark.parametrize("bad_id", ["999999", str(HUGE)])
def test_every_object_url_answers_404_for_an_id_that_does_not_exist(world, login, bad_id):
    urls = _object_urls(world)
    before = _snapshot()
    clinician = login(world.clinician)
    for method, path in urls:
        response = getattr(clinician, method)(_with_id(path, bad_id), _hostile_post(world))
        assert response.status_code == 404, (method, path)
    assert _snapshot() == before


@pytest.mark.parametrize("bad_id", ["-1", "abc", "1.5", "1e3", "٣", "%00", "😀", "0x10"])
def test_every_object_url_answers_404_for_an_id_that_is_not_a_whole_number(world, login, bad_id):
    urls = _object_urls(world)
    before = _snapshot()
    clinician = login(world.clinician)
    for method, path in urls:
        response = getattr(clinician, method)(_with_id(path, bad_id))
        assert response.status_code == 404, (method, path)
    assert _snapshot() == before


def test_every_object_url_answers_404_for_another_clinics_ids(world, other_world, login):
    theirs = _object_urls(other_world)
    before = _snapshot()
    for person in (world.admin, world.supervisor, world.clinician, world.trainee):
        visitor = login(person)
        for method, path in theirs:
            response = getattr(visitor, method)(path, _hostile_post(world))
            assert response.status_code == 404, (person, method, path)
    assert _snapshot() == before


def test_a_link_cannot_be_made_for_a_person_from_another_case(world, login):
    other_case = make_case(world.clinician)
    stranger = other_case.participants.get()
    response = login(world.clinician).post(
        reverse("link_create", args=[world.session.pk, stranger.pk]), follow=True
    )
    assert flashed(response) == ["That person is not part of this case."]
    assert CheckLink.objects.count() == 0


def test_a_used_or_expired_link_is_not_emailed(world, login):
    ClientRecord.objects.filter(pk=world.case.participants.get().client_id).update(
        email="client@example.org"
    )
    link = check_link_create(
        session=world.session, participant=world.case.participants.get(), created_by=world.clinician
    )
    clinician = login(world.clinician)
    CheckLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = clinician.post(reverse("link_email", args=[link.pk]), follow=True)
    assert flashed(response) == ["That link can no longer be used. Create a new one first."]
    CheckLink.objects.filter(pk=link.pk).update(
        expires_at=timezone.now() + dt.timedelta(hours=1), used_at=timezone.now()
    )
    response = clinician.post(reverse("link_email", args=[link.pk]), follow=True)
    assert flashed(response) == ["That link can no longer be used. Create a new one first."]
    assert mail.outbox == []


def test_acknowledging_an_alert_twice_keeps_the_first_acknowledgement(world, login):
    _, alert = answered(world)
    clinician = login(world.clinician)
    clinician.post(reverse("alert_acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    first = (alert.status, alert.acknowledged_by_id, alert.acknowledged_at)
    login(world.admin).post(reverse("alert_acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by_id, alert.acknowledged_at) == first
    assert alert.status == AlertStatus.ACKNOWLEDGED


@pytest.mark.parametrize("name", ["nope", "x" * 1000, "PHQ9", "phq9-"])
def test_an_unknown_measure_page_is_a_404(world, login, name):
    response = login(world.clinician).get(f"/measures/{name}/")
    assert response.status_code == 404


@pytest.mark.parametrize("page", ["abc", "-1", "0", "1e3", str(HUGE), "\x00", "😀", "9" * 10_000])
def test_list_pages_take_any_page_number(world, login, page):
    clinician = login(world.clinician)
    assert clinician.get(reverse("home"), {"page": page}).status_code == 200
    assert clinician.get(reverse("client_list"), {"page": page}).status_code == 200


@pytest.mark.parametrize("query", ["   ", "x" * 10_000, "%", "_", "'; DROP TABLE x; --", "😀"])
def test_client_search_takes_any_text(world, login, query):
    response = login(world.clinician).post(reverse("client_list"), {"q": query})
    assert response.status_code == 200


def test_client_search_with_a_nul_byte_is_not_a_server_error(world, login):
    response = login(world.clinician).post(reverse("client_list"), {"q": "HS\x000142"})
    assert response.status_code == 200


def test_a_missing_page_says_so_in_plain_words_with_a_way_back(world, login):
    response = login(world.clinician).get(reverse("client_detail", args=[999999]))
    assert response.status_code == 404
    page = body(response)
    assert "requested resource" not in page
    assert f'href="{reverse("home")}"' in page


@pytest.mark.parametrize("name", ["measure_schedule", "people", "person_new"])
def test_a_refused_page_says_why_in_plain_words(world, login, name):
    response = login(world.clinician).get(reverse(name))
    assert response.status_code == 403
    page = body(response)
    assert "only a clinic admin" in page.lower()
    if name != "measure_schedule":
        assert escape(ADMINS_ONLY) in page
    assert f'href="{reverse("home")}"' in page


def _superuser_without_clinic() -> User:
    return User.objects.create_superuser("root@example.org", PASSWORD, full_name="Installer")


def test_an_account_without_a_clinic_is_told_to_ask_for_one(login):
    client = login(_superuser_without_clinic())
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert escape(NO_CLINIC) in body(response)


def test_an_account_without_a_clinic_cannot_add_a_client_and_gets_no_500(login):
    client = login(_superuser_without_clinic())
    response = client.post(reverse("client_create"), {"code": "HS-0142"})
    assert response.status_code == 403
    assert ClientRecord.objects.count() == 0


# --- 5. Forged cross-site posts (no CSRF token) -----------------------------------------------


def test_every_logged_in_form_refuses_a_post_without_its_csrf_token(world, login):
    link, alert = answered(world)
    other_session = make_session(world.case, 2)
    participant = world.case.participants.get()
    before = (_snapshot(), schedule_rows(world), ClientRecord.objects.count())
    posts = [
        (world.clinician, reverse("client_create"), {"code": "CSRF-1"}),
        (world.clinician, reverse("case_create"), _case_post(world)),
        (world.clinician, reverse("session_create", args=[world.case.pk]), {"date": "2026-03-02"}),
        (
            world.clinician,
            reverse("case_close", args=[world.case.pk]),
            {"closed_on": timezone.localdate().isoformat()},
        ),
        (
            world.clinician,
            reverse("session_attendance", args=[world.session.pk]),
            {"attendance": "cancelled"},
        ),
        (world.clinician, reverse("link_create", args=[other_session.pk, participant.pk]), {}),
        (world.clinician, reverse("link_email", args=[link.pk]), {}),
        (world.clinician, reverse("alert_acknowledge", args=[alert.pk]), {}),
        (world.admin, reverse("measure_schedule"), valid_schedule_post()),
        (world.admin, reverse("person_new"), {"email": "n@example.org", "full_name": "N"}),
        (world.admin, reverse("person_detail", args=[world.colleague.pk]), {"role": "admin"}),
        (world.admin, reverse("person_reinvite", args=[world.colleague.pk]), {}),
        (
            world.admin,
            reverse("person_supervision", args=[world.colleague.pk]),
            {"supervisor": str(world.supervisor.pk)},
        ),
        (world.admin, reverse("supervision_end", args=[_supervision_of(world.trainee).pk]), {}),
        (world.clinician, reverse("logout"), {}),
    ]
    for person, path, data in posts:
        forger = Client(enforce_csrf_checks=True)
        forger.force_login(person)
        response = forger.post(path, data)
        assert response.status_code == 403, path
        assert "_auth_user_id" in forger.session, "a forged logout does not log the person out"
    assert (_snapshot(), schedule_rows(world), ClientRecord.objects.count()) == before


def test_a_stale_login_page_asks_to_try_again_in_plain_words(world):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        reverse("login"),
        {"username": world.clinician.email, "password": PASSWORD, "csrfmiddlewaretoken": "stale"},
    )
    page = body(response)
    assert "CSRF verification failed" not in page
    assert "Log in" in page
