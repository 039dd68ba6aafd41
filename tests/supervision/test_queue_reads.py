"""How the supervision queue reads the records: each request, repair and departure is judged on
the right rows, and the page reads no more when there is more to show (issue 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reattune.clinics.models import Role
from reattune.clinics.services import supervision_start
from reattune.repairs.models import RepairEvent
from reattune.repairs.services import repair_close
from reattune.supervision.left import recently_left
from reattune.supervision.queue import queue_for, queue_scope
from reattune.supervision.services import request_create
from tests.factories import make_case, make_person
from tests.repairs.helpers import body
from tests.supervision.helpers import harmful_with_overdue, not_held, signed_meeting

pytestmark = pytest.mark.django_db


def _client_of(case):
    return case.participants.get().client


def _queries(http, url: str) -> int:
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    return len(queries)


def test_a_request_about_a_client_goes_under_each_supervisee_whose_case_it_is(world, login):
    """The client is seen by the trainee, by a second supervisee and by a colleague the
    supervisor does not supervise: the request is under the two supervisees, not the colleague."""
    second = make_person(world.clinic, Role.TRAINEE, name="Second Trainee")
    supervision_start(supervisor=world.supervisor, supervisee=second)
    client = _client_of(world.trainee_case)
    make_case(second, clients=[client])
    make_case(world.colleague, clients=[client])
    request, _ = request_create(by=world.trainee, note="Fees again?", client=client)

    [item] = queue_for(world.supervisor)
    assert item.key == f"request:{request.pk}"
    assert item.clinician_ids == {world.trainee.pk, second.pk}
    assert item.url == reverse("client_detail", args=[client.pk])
    assert [i.clinician_ids for i in queue_for(world.supervisor, supervisee=second)] == [
        {second.pk}
    ]
    page = body(login(world.supervisor).get(reverse("supervision_queue")))
    assert page.count(f'value="request:{request.pk}"') == 2  # one tick box in each group


def test_more_requests_about_clients_cost_the_page_no_more_queries(world, login):
    """Each client's cases used to be read one client at a time."""
    http = login(world.supervisor)
    url = reverse("supervision_queue")
    request_create(by=world.trainee, note="Fees?", client=_client_of(world.trainee_case))
    one = _queries(http, url)
    for _ in range(4):
        case = make_case(world.trainee)
        request_create(by=world.trainee, note="Endings.", client=_client_of(case))
    assert len(queue_for(world.supervisor)) == 5
    assert _queries(http, url) == one


def test_a_harmful_repair_leaves_once_discussed_but_one_that_did_not_hold_since_comes_back(
    world,
):
    """Both kinds of repair come from one read; each keeps its own rule for "discussed"."""
    harmful, _ = harmful_with_overdue(world.trainee_case, world.trainee)
    failed = not_held(make_case(world.trainee), world.trainee)
    keys = {item.key: item.kind for item in queue_for(world.supervisor)}
    assert keys[f"repair:{harmful.pk}"] == "harm"
    assert keys[f"repair:{failed.pk}"] == "not_held"

    signed_meeting(world.supervisor, world.trainee, [f"repair:{harmful.pk}", f"repair:{failed.pk}"])
    keys = {item.key: item.kind for item in queue_for(world.supervisor)}
    assert f"repair:{harmful.pk}" not in keys
    assert f"repair:{failed.pk}" not in keys

    failed.verified_at = timezone.now() + dt.timedelta(seconds=1)  # judged again since
    failed.save()
    keys = {item.key: item.kind for item in queue_for(world.supervisor)}
    assert keys.get(f"repair:{failed.pk}") == "not_held"
    assert f"repair:{harmful.pk}" not in keys


def test_a_repair_that_moved_on_long_ago_is_no_longer_listed_as_recently_left(world):
    repair = not_held(world.trainee_case, world.trainee)
    repair_close(repair=repair, by=world.trainee, reason="The client ended therapy.")
    [left] = recently_left(world.supervisor)
    assert "Closed by" in left.reason
    last = repair.events.order_by("at", "pk").last()
    assert last is not None and left.when == last.at

    RepairEvent.objects.filter(repair=repair).update(at=timezone.now() - dt.timedelta(days=40))
    assert recently_left(world.supervisor) == []
    assert recently_left(world.supervisor, days=60)[0].reason.startswith("Closed by")


def test_the_queue_and_what_left_it_agree_when_given_the_scope_read_once(world):
    """The page reads the scope once and hands it to both; the answers are the ones each
    would give reading it itself."""
    not_held(world.trainee_case, world.trainee)
    harmful_with_overdue(make_case(world.trainee), world.trainee)
    cases = queue_scope(world.supervisor)
    assert cases.owners == [world.trainee.pk]
    assert queue_for(world.supervisor, cases=cases) == queue_for(world.supervisor)
    assert recently_left(world.supervisor, cases=cases) == recently_left(world.supervisor)


def test_a_supervisee_with_nothing_waiting_still_gets_a_group_and_a_meeting_form(world, login):
    quiet = make_person(world.clinic, Role.TRAINEE, name="Quiet Trainee")
    supervision_start(supervisor=world.supervisor, supervisee=quiet)
    harmful_with_overdue(world.trainee_case, world.trainee)
    page = body(login(world.supervisor).get(reverse("supervision_queue")))
    assert f"Nothing in the queue for {quiet}." in page
    assert f"Start a meeting with {quiet}" in page
    assert f"Start a meeting with {world.trainee}" in page
