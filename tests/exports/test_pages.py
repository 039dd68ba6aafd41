"""The export pages: clinic admins only, their own clinic only, each download audited as an
export and the erasure as a delete."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile

import pytest
from django.urls import reverse
from django.utils.html import escape

from reattune.audit.models import Action, AuditEvent, Category, Outcome
from reattune.cases.models import Client
from reattune.exports.erasure import CODE_MISMATCH, rows_text
from reattune.exports.forms import REASON_REQUIRED
from reattune.exports.models import Erasure
from reattune.exports.views import ADMINS_ONLY, ALREADY_ERASED, ERASED, NO_ERASURE
from reattune.supervision.models import AgendaItem, Meeting
from tests.exports.records import answer
from tests.factories import ClinicWorld

pytestmark = pytest.mark.django_db

CLINIC_PAGES = ("export_home", "export_clinic_csv", "export_clinic_fhir")
CLIENT_PAGES = ("export_client", "export_client_package", "client_erase")


def _client_id(world: ClinicWorld) -> int:
    return int(world.case.participants.get().client_id)


def _urls(world: ClinicWorld) -> list[str]:
    return [reverse(n) for n in CLINIC_PAGES] + [
        reverse(n, args=[_client_id(world)]) for n in CLIENT_PAGES
    ]


def _last_row() -> AuditEvent:
    row = AuditEvent.objects.order_by("-seq").first()
    assert row is not None
    return row


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in _urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))


def test_nobody_but_a_clinic_admin_may_open_any_export_page(login, world):
    for who in ("clinician", "supervisor", "trainee"):
        http = login(getattr(world, who))
        for url in _urls(world):
            response = http.get(url)
            assert response.status_code == 403, (who, url)
        assert http.post(reverse("client_erase", args=[_client_id(world)])).status_code == 403
    assert Client.objects.filter(pk=_client_id(world)).exists()


def test_the_403_says_why(login, world):
    response = login(world.clinician).get(reverse("export_home"))
    assert escape(ADMINS_ONLY) in response.content.decode()


def test_another_clinics_client_is_a_404_for_every_client_page(login, world, other_world):
    http = login(world.admin)
    theirs = _client_id(other_world)
    for name in CLIENT_PAGES:
        assert http.get(reverse(name, args=[theirs])).status_code == 404, name
    response = http.post(
        reverse("client_erase", args=[theirs]), {"code": "x", "reason": "Their request."}
    )
    assert response.status_code == 404
    assert Client.objects.filter(pk=theirs).exists()


def test_the_clinic_csv_is_streamed_and_audited_as_an_export(login, world):
    answer(world.session, world.case.participants.get())
    http = login(world.admin)

    response = http.get(reverse("export_clinic_csv"))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["measure"] for r in rows] == ["alliance"]
    row = _last_row()
    assert (row.category, row.action, row.outcome) == (Category.RESPONSE, Action.EXPORT, "ok")
    assert row.user_id == world.admin.pk


def test_the_clinic_fhir_bundle_is_a_collection_bundle_audited_as_an_export(login, world):
    answer(world.session, world.case.participants.get())

    response = login(world.admin).get(reverse("export_clinic_fhir"))

    assert response.status_code == 200
    bundle = json.loads(b"".join(response.streaming_content))
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "QuestionnaireResponse", "Observation"} <= kinds
    assert (_last_row().category, _last_row().action) == (Category.RESPONSE, Action.EXPORT)


def test_a_clients_data_downloads_as_a_zip_audited_as_an_export_of_that_client(login, world):
    participant = world.case.participants.get()
    answer(world.session, participant, change="Less homework")

    response = login(world.admin).get(
        reverse("export_client_package", args=[participant.client_id])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert names == {"README.txt", "client.json", "answers.csv", "fhir-bundle.json"}
    row = _last_row()
    assert (row.category, row.action, row.client_id) == (
        Category.CLIENT,
        Action.EXPORT,
        participant.client_id,
    )


def test_the_client_page_shows_what_an_erasure_would_delete(login, world):
    participant = world.case.participants.get()
    answer(world.session, participant)

    page = login(world.admin).get(reverse("client_erase", args=[participant.client_id]))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Answers: 1" in text
    assert Client.objects.filter(pk=participant.client_id).exists()


def test_a_wrong_code_is_refused_with_the_reason_and_erases_nothing(login, world):
    client_id = _client_id(world)

    response = login(world.admin).post(
        reverse("client_erase", args=[client_id]), {"code": "nope", "reason": "Request."}
    )

    assert response.status_code == 400
    assert escape(CODE_MISMATCH) in response.content.decode()
    assert Client.objects.filter(pk=client_id).exists()
    assert _last_row().outcome == Outcome.FAILED


def test_an_erasure_needs_a_reason(login, world):
    client = Client.objects.get(pk=_client_id(world))

    response = login(world.admin).post(
        reverse("client_erase", args=[client.pk]), {"code": client.code, "reason": ""}
    )

    assert response.status_code == 400
    assert escape(REASON_REQUIRED) in response.content.decode()
    assert Client.objects.filter(pk=client.pk).exists()


def test_an_admin_erases_a_client_and_the_audit_keeps_the_fact(login, world):
    client = Client.objects.get(pk=_client_id(world))
    answer(world.session, world.case.participants.get())
    http = login(world.admin)

    response = http.post(
        reverse("client_erase", args=[client.pk]), {"code": client.code, "reason": "Request."}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("export_home")
    assert not Client.objects.filter(pk=client.pk).exists()
    erasure = Erasure.objects.get()
    deletes = AuditEvent.objects.filter(action=Action.DELETE, client_id=client.pk)
    assert deletes.count() == 1
    assert _last_row().target.startswith("client_erase")
    home = http.get(reverse("export_home")).content.decode()
    assert "Request." in home and str(erasure.rows) in home


def test_the_home_page_says_whether_a_code_was_erased(login, world):
    client = Client.objects.get(pk=_client_id(world))
    http = login(world.admin)
    http.post(reverse("client_erase", args=[client.pk]), {"code": client.code, "reason": "Asked."})

    found = http.post(reverse("export_home"), {"code": client.code}).content.decode()
    missing = http.post(reverse("export_home"), {"code": "NEVER-1"}).content.decode()

    assert "Erased:" in found
    assert NO_ERASURE in missing


def test_the_erase_page_lists_other_records_whose_text_names_the_client(login, world):
    client = Client.objects.get(pk=_client_id(world))
    meeting = Meeting.objects.create(
        clinic=world.clinic,
        supervisor=world.supervisor,
        supervisee=world.trainee,
        held_on=world.session.date,
        created_by=world.supervisor,
        form_key=uuid.uuid4(),
    )
    item = AgendaItem.objects.create(
        meeting=meeting, position=1, source="topic", title=f"Cover for {client.code}"
    )

    page = login(world.admin).get(reverse("client_erase", args=[client.pk])).content.decode()

    assert f"<code>supervision.AgendaItem</code> {item.pk}: title" in page


def test_erasing_a_client_already_erased_says_so_instead_of_the_generic_404(login, world):
    client = Client.objects.get(pk=_client_id(world))
    http = login(world.admin)
    data = {"code": client.code, "reason": "Request."}
    http.post(reverse("client_erase", args=[client.pk]), data, follow=True)
    erasure = Erasure.objects.get()

    again = http.post(reverse("client_erase", args=[client.pk]), data)

    assert again.status_code == 410
    page = again.content.decode()
    expected = ALREADY_ERASED.format(date=f"{erasure.erased_at:%Y-%m-%d}", erasure=erasure.pk)
    assert escape(expected) in page
    assert "caseload" not in page
    assert client.code not in page
    for name in CLIENT_PAGES:
        assert http.get(reverse(name, args=[client.pk])).status_code == 410, name
    assert Erasure.objects.count() == 1


def test_another_clinics_erased_client_is_still_a_404(login, world, other_world):
    theirs = Client.objects.get(pk=_client_id(other_world))
    login(other_world.admin).post(
        reverse("client_erase", args=[theirs.pk]), {"code": theirs.code, "reason": "Request."}
    )
    assert Erasure.objects.filter(clinic=other_world.clinic).exists()
    http = login(world.admin)
    for name in CLIENT_PAGES:
        assert http.get(reverse(name, args=[theirs.pk])).status_code == 404, name


def test_the_erasure_message_counts_rows_in_proper_english(login, world):
    client = Client.objects.get(pk=_client_id(world))
    http = login(world.admin)
    response = http.post(
        reverse("client_erase", args=[client.pk]),
        {"code": client.code, "reason": "Request."},
        follow=True,
    )
    erasure = Erasure.objects.get()
    expected = ERASED.format(code=client.code, rows=rows_text(erasure.rows))
    assert escape(expected) in response.content.decode()
    assert " rows rows" not in expected


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 rows"), (1, "1 row"), (2, "2 rows"), (1234, "1,234 rows")]
)
def test_a_count_of_rows_is_singular_only_for_one(count, text):
    assert rows_text(count) == text
