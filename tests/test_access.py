"""Access by construction: walk every URL pattern and prove nobody reaches what is not theirs.

Every pattern that takes an object id is requested with ids from another clinic and from a
colleague's caseload; each must answer 404. Anonymous requests must go to the login page,
except for the explicit allow-list of public pages.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reattune.alerts.models import Alert
from reattune.alerts.services import alerts_raise_for_session
from reattune.api.services import token_create
from reattune.api.urls import API_NAMESPACE
from reattune.audit.models import AuditEvent, Outcome
from reattune.audit.routes import NOT_CLIENT_DATA
from reattune.checks.models import CheckLink, Response
from reattune.checks.services import check_link_create
from reattune.clinics.models import Supervision
from reattune.clinics.services import supervision_start
from reattune.imports.models import ImportJob
from reattune.learning.framework import framework_for
from reattune.learning.services import goal_create
from reattune.repairs.disclosures import disclosure_record
from reattune.repairs.models import Disclosure, Obligation, Repair
from reattune.reviews.services import review_create
from reattune.supervision.models import ActionItem
from reattune.supervision.services import meeting_create, topic_add
from tests.breakglass.helpers import grant_for
from tests.checks.helpers import full_check
from tests.factories import ClinicWorld
from tests.repairs.helpers import follow, open_by_hand

pytestmark = pytest.mark.django_db

# Reachable without logging in, and why.
PUBLIC = {
    "login": "the way in",
    "password_reset": "forgotten passwords",
    "password_reset_done": "says an email may be on its way",
    "password_reset_confirm": "the emailed reset link is the key",
    "password_reset_complete": "says the password changed",
    "check_form": "the client's signed link is the key",
    "health": "health check for the server's supervisor; says only 'ok'",
}
# Clinic admins only: everyone else in the clinic gets a 403 (tests/clinics/ covers them).
ADMIN_ONLY = {
    "person_detail",
    "person_reinvite",
    "person_supervision",
    "supervision_end",
    "competency_list",
    "competency_new",
    "competency_edit",
    "second_factor_reset",
    "breakglass_revoke",
    "export_client",
    "export_client_package",
    "client_erase",
    "import_detail",
    "import_confirm",
    "import_cancel",
    "import_progress",
    "api_token_revoke",
    "failed_task_retry",
    "failed_task_dismiss",
}
# Pages without an id that only a clinic admin may open: anyone else in the clinic gets a 403.
ADMIN_PAGES = {
    "people",
    "person_new",
    "competency_list",
    "competency_new",
    "ethics_settings",
    "audit_log",
    "audit_export",
    "breakglass_grants",
    "export_home",
    "export_clinic_csv",
    "export_clinic_fhir",
    "import_list",
    "api_token_list",
    "failed_task_list",
    "metrics",
}
# Private to the person and their current supervisors: a clinic admin gets "not found" too.
# The owner test logs in as the person the page is about (LEARNING_OWNER names them).
PRIVATE_LEARNING = {
    "learning_person",
    "learning_person_summary",
    "learning_person_summary_pdf",
    "goal_detail",
    "goal_note",
    "goal_status",
}
LEARNING_OWNER = {
    "learning_person": "colleague",
    "learning_person_summary": "colleague",
    "learning_person_summary_pdf": "colleague",
    "rating_new": "admin",
}
# Who else owns a page the walk reaches: the hours of `person_id` (the colleague) and its
# target (set by an admin); a meeting is written by its supervisor; a review here is the
# admin's draft.
OWNER = {
    **LEARNING_OWNER,
    "hours_person": "colleague",
    "hours_target": "admin",
    "meeting_sign": "supervisor",
    "meeting_topic": "supervisor",
    "action_add": "supervisor",
    "meeting_item_save": "supervisor",
    "meeting_amend": "supervisor",
    "review_detail": "admin",
    "review_edit": "admin",
    "review_share": "admin",
    "review_amend": "admin",
    "review_new": "admin",
}
# Written only by the meeting's supervisor: a clinic admin reads the meeting but gets a 403.
SUPERVISOR_WRITES = {
    "meeting_sign",
    "meeting_topic",
    "action_add",
    "meeting_item_save",
    "meeting_amend",
}
# Started by the clinician's supervisor or a clinic admin (tests/reviews/ covers the rest).
SUPERVISOR_OR_ADMIN = {"review_new"}
# Changing a repair record needs a caseload: a clinic admin may read it (and mark obligations
# done) but gets a 403 here, after the usual 404 for anything outside their clinic.
CASELOAD_ONLY = {
    "repair_new",
    "repair_amend",
    "repair_plan",
    "repair_conversation",
    "disclosure_new",
    "disclosure_amend",
    "repair_close",
    "reflection_new",
    "supervision_request_new",
}
# Pages that take their object from the query string rather than the path, and which id
# each parameter names.
QUERY_IDS = {
    "repair_new": {"alert": "alert_id", "response": "response_id", "case": "case_id"},
    "reflection_new": {"repair": "repair_id", "meeting": "meeting_id"},
    "review_new": {"repair": "repair_id"},
}
# Not reachable by anyone logged in (logout is POST-only and harmless).
NOT_OBJECT_SCOPED = {"logout", "measure_detail"}


def walk(patterns: list, prefix: str = "") -> Iterator[URLPattern]:  # type: ignore[type-arg]
    for p in patterns:
        if isinstance(p, URLResolver) and p.namespace == API_NAMESPACE:
            # The JSON API answers with tokens, not sign-in: tests/api/ walks its routes.
            continue
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p


def all_patterns() -> list[URLPattern]:
    return [p for p in walk(get_resolver().url_patterns) if p.name]


def answered_world(world: ClinicWorld) -> tuple[CheckLink, Alert]:
    """Give the world's main case a link, answers with a safety item, and their alert."""
    participant = world.case.participants.get()
    link = check_link_create(
        session=world.session, participant=participant, created_by=world.clinician
    )
    Client().post(reverse("check_form", args=[link.token]), full_check(phq9__q9=1))
    # The test runs inside a transaction, so on-commit alerting is run here by hand.
    alerts_raise_for_session(session=world.session)
    return link, Alert.objects.get(case=world.case)


def repaired_world(world: ClinicWorld) -> tuple[Repair, Disclosure, Obligation]:
    """Give the world's main case a repair (by hand) with a disclosure and an obligation."""
    follow(world.clinic.pk, "bacp")
    repair = open_by_hand(world.case, world.clinician, at=world.session)
    disclosure = disclosure_record(
        repair=repair,
        by=world.clinician,
        told_on=world.session.date,
        told_by=world.clinician,
        method="in_person",
        what_was_said="I told them I had got it wrong.",
    )
    obligation = repair.obligations.first()
    assert obligation is not None
    return repair, disclosure, obligation


def supervised_world(world: ClinicWorld) -> dict[str, int | str]:
    """A meeting between the supervisor and the world's main clinician (in consultation), with
    an agenda item and an action."""
    supervision_start(supervisor=world.supervisor, supervisee=world.clinician)
    meeting, _ = meeting_create(
        supervisor=world.supervisor,
        supervisee=world.clinician,
        held_on=timezone.localdate(),
        item_keys=[],
        form_key=uuid.uuid4(),
    )
    item = topic_add(meeting=meeting, by=world.supervisor, title="Pacing")
    action = ActionItem.objects.create(
        meeting=meeting,
        agenda_item=item,
        text="Read.",
        owner=world.clinician,
        due_on=timezone.localdate(),
    )
    return {"meeting_id": meeting.pk, "item_id": item.pk, "action_id": action.pk}


def failed_task_of(world: ClinicWorld) -> DBTaskResult[..., object]:
    """A background task of this clinic's that failed for good (reattune/worker/)."""
    now = timezone.now()
    return DBTaskResult.objects.create(
        status="FAILED",
        task_path="reattune.checks.tasks.email_check_link",
        args_kwargs={"args": [], "kwargs": {"clinic_id": world.clinic.pk, "link_id": 1}},
        backend_name="default",
        run_after=now,
        finished_at=now,
        exception_class_path="smtplib.SMTPServerDisconnected",
        traceback="synthetic",
        worker_ids=["w1", "w2", "w3"],
    )


def ids_for(world: ClinicWorld) -> dict[str, int | str]:
    link, alert = answered_world(world)
    repair, disclosure, obligation = repaired_world(world)
    review = review_create(
        repair=repair,
        by=world.admin,
        content={"title": "A rupture", "what_happened": "The clinician moved too fast."},
    )
    return {
        **supervised_world(world),
        "review_id": review.pk,
        # Emergency access by the main clinician to a colleague's client.
        "token_id": token_create(admin=world.admin, name="Scheduler", scopes=["read"])[0].pk,
        "task_id": str(failed_task_of(world).id),
        "job_id": ImportJob.objects.create(
            clinic=world.clinic, created_by=world.admin, file_name="history.csv", status="checked"
        ).pk,
        "grant_id": grant_for(world.clinician, world.colleague_case.participants.get().client).pk,
        "target": "alert",
        "target_id": alert.pk,
        "measure_id": "phq9",
        "client_id": world.case.participants.get().client_id,
        "case_id": world.case.pk,
        "session_id": world.session.pk,
        "participant_id": world.case.participants.get().pk,
        "link_id": link.pk,
        "alert_id": alert.pk,
        "person_id": world.colleague.pk,
        # The trainee's link, made with the world (supervised_world adds a second).
        "supervision_id": Supervision.objects.get(clinic=world.clinic, supervisee=world.trainee).pk,
        "repair_id": repair.pk,
        "disclosure_id": disclosure.pk,
        "obligation_id": obligation.pk,
        "response_id": Response.objects.filter(link=link).values_list("pk", flat=True)[0],
        "competency_id": framework_for(world.clinic)[0].pk,
        "goal_id": goal_create(
            person=world.clinician,
            title="Slow down at endings",
            why="Two ruptures came at the end of a session.",
            practice_plan="Stop ten minutes early and ask how it was.",
            review_on=timezone.localdate(),
        ).pk,
    }


def query_urls(ids: dict[str, int | str]) -> Iterator[tuple[str, str]]:
    """(name, url) for each page that takes an object in its query string, once per parameter."""
    for name, params in QUERY_IDS.items():
        for param, key in params.items():
            yield name, f"{reverse(name)}?{param}={ids[key]}"


def object_patterns() -> list[URLPattern]:
    return [
        p
        for p in all_patterns()
        if p.pattern.converters and p.name not in set(PUBLIC) | NOT_OBJECT_SCOPED
    ]  # type: ignore[attr-defined]


def test_every_id_in_every_url_is_one_this_test_knows():
    known = {
        "client_id",
        "case_id",
        "session_id",
        "participant_id",
        "link_id",
        "alert_id",
        "person_id",
        "supervision_id",
        "repair_id",
        "disclosure_id",
        "obligation_id",
        "competency_id",
        "goal_id",
        "meeting_id",
        "item_id",
        "action_id",
        "review_id",
        "target",
        "target_id",
        "grant_id",
        "job_id",
        "token_id",
        "task_id",
    }
    for pattern in object_patterns():
        params = set(pattern.pattern.converters)  # type: ignore[attr-defined]
        assert params <= known, f"{pattern.name} takes {params - known}: teach test_access about it"


def test_anonymous_requests_go_to_login_except_the_public_pages(client, world):
    ids = ids_for(world)
    for pattern in all_patterns():
        if pattern.name in PUBLIC or pattern.name == "logout":
            continue
        params = {k: ids[k] for k in pattern.pattern.converters}  # type: ignore[attr-defined]
        url = reverse(pattern.name, kwargs=params)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{method.__name__} {url}"
            assert response["Location"].startswith(reverse("login")), url
    for _, url in query_urls(ids):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{method.__name__} {url}"
            assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("who", ["clinician", "trainee", "supervisor", "admin"])
def test_nobody_reaches_another_clinics_objects(client, world, other_world, who):
    ids = ids_for(other_world)
    client.force_login(getattr(world, who))
    for pattern in object_patterns():
        params = {k: ids[k] for k in pattern.pattern.converters}  # type: ignore[attr-defined]
        url = reverse(pattern.name, kwargs=params)
        # An admin-only page may refuse someone else for their role before looking the id up.
        wrong_role = pattern.name in ADMIN_ONLY and who != "admin"
        allowed = (403, 404, 405) if wrong_role else (404, 405)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in allowed, f"{who} {method.__name__} {url}"
            assert_denied_row(response, pattern.name)
    for name, url in query_urls(ids):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 404, f"{who} {method.__name__} {url}"
            assert_denied_row(response, name)


def assert_denied_row(response, name: str | None) -> None:
    """Requirement 2 (issue 6): the refusal is one "denied" audit row that names no client of
    the other clinic (pages with no client data, such as a measure's definition, write none)."""
    rows = list(AuditEvent.objects.filter(request_id=response["X-Request-ID"]))
    if name in NOT_CLIENT_DATA:
        assert rows == [], name
        return
    assert [(r.outcome, r.client_id) for r in rows] == [(Outcome.DENIED, None)], name


def test_a_clinician_cannot_reach_a_colleagues_caseload(client, world):
    # The colleague's case gets the same objects the main case has.
    world.case, world.clinician = world.colleague_case, world.colleague
    from tests.factories import make_session

    world.session = make_session(world.colleague_case, 1)
    ids = ids_for(world)
    client.force_login(world.trainee)
    for pattern in object_patterns():
        params = {k: ids[k] for k in pattern.pattern.converters}  # type: ignore[attr-defined]
        url = reverse(pattern.name, kwargs=params)
        allowed = (403, 404, 405) if pattern.name in ADMIN_ONLY else (404, 405)
        for method in (client.get, client.post):
            assert method(url).status_code in allowed, f"trainee {method.__name__} {url}"
    for _, url in query_urls(ids):
        for method in (client.get, client.post):
            assert method(url).status_code == 404, f"trainee {method.__name__} {url}"


def test_a_clinic_admin_reads_a_repair_but_cannot_change_it(client, world):
    ids = ids_for(world)
    client.force_login(world.admin)
    for pattern in object_patterns():
        params = {k: ids[k] for k in pattern.pattern.converters}  # type: ignore[attr-defined]
        url = reverse(pattern.name, kwargs=params)
        if pattern.name in CASELOAD_ONLY | SUPERVISOR_WRITES:
            for method in (client.get, client.post):
                assert method(url).status_code in (403, 405), f"admin {method.__name__} {url}"
        elif pattern.name in PRIVATE_LEARNING:
            assert client.get(url).status_code in (404, 405), f"admin GET {url}"
        elif pattern.name == "review_amend":
            # The admin's own draft: edited, not amended, so the page sends them to edit it.
            assert client.get(url)["Location"] == reverse("review_edit", kwargs=params), url
        elif pattern.name not in ADMIN_ONLY:
            assert client.get(url).status_code in (200, 405), f"admin GET {url}"
    for name, url in query_urls(ids):
        if name in SUPERVISOR_OR_ADMIN:
            assert client.get(url).status_code == 200, f"admin GET {url}"
            continue
        assert name in CASELOAD_ONLY
        for method in (client.get, client.post):
            assert method(url).status_code == 403, f"admin {method.__name__} {url}"
    assert Repair.objects.count() == 1
    assert Disclosure.objects.count() == 1


@pytest.mark.parametrize("who", ["clinician", "trainee", "supervisor"])
def test_admin_pages_refuse_everyone_else_in_the_clinic(client, world, who):
    """Requirement 1 (issue 6): a wrong-role request is refused, for pages without an id too."""
    client.force_login(getattr(world, who))
    for name in sorted(ADMIN_PAGES):
        assert client.get(reverse(name)).status_code == 403, f"{who} GET {name}"
        # A page that only reads may refuse a POST for its method before its role.
        assert client.post(reverse(name)).status_code in (403, 405), f"{who} POST {name}"
    client.force_login(world.admin)
    for name in sorted(ADMIN_PAGES - {"audit_export"}):
        assert client.get(reverse(name)).status_code == 200, f"admin GET {name}"


def test_a_supervisor_sees_a_supervisees_caseload_but_not_others(client, world):
    client.force_login(world.supervisor)
    trainee_client = world.trainee_case.participants.get().client_id
    colleague_client = world.colleague_case.participants.get().client_id
    assert client.get(reverse("client_detail", args=[trainee_client])).status_code == 200
    assert client.get(reverse("client_detail", args=[colleague_client])).status_code == 404


def test_an_admin_sees_every_client_in_their_clinic(client, world):
    client.force_login(world.admin)
    for case in (world.case, world.trainee_case, world.colleague_case):
        assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200


def test_the_owner_reaches_every_object_page(client, world):
    ids = ids_for(world)
    for pattern in object_patterns():
        default = "admin" if pattern.name in ADMIN_ONLY else "clinician"
        owner = OWNER.get(pattern.name or "", default)
        client.force_login(getattr(world, owner))
        params = {k: ids[k] for k in pattern.pattern.converters}  # type: ignore[attr-defined]
        url = reverse(pattern.name, kwargs=params)
        response = client.get(url)
        if pattern.name == "review_amend":
            # A draft is edited, not amended: its amend page sends the author to the edit page.
            assert response["Location"] == reverse("review_edit", kwargs=params), url
            continue
        assert response.status_code in (200, 405), f"owner GET {url} -> {response.status_code}"
    for name, url in query_urls(ids):
        client.force_login(getattr(world, OWNER.get(name, "clinician")))
        response = client.get(url)
        assert response.status_code == 200, f"owner GET {url} -> {response.status_code}"
