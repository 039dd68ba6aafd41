"""The case review pages: who reaches what, the flow from a repair to a shared review, and a
shared page that carries no identifier of the client. All data synthetic."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from reattune.clinics.models import Role
from reattune.reviews import services, views
from reattune.reviews.models import CaseReview, ReviewStatus
from tests.factories import ClinicWorld, make_person
from tests.repairs.helpers import body, flashed
from tests.reviews.helpers import CLEAN, draft, identifiers, reviewed_repair, shared

pytestmark = pytest.mark.django_db


def _new(repair_id: int) -> str:
    return f"{reverse('review_new')}?repair={repair_id}"


def _url(name: str, review: CaseReview) -> str:
    return reverse(name, args=[review.pk])


def test_anonymous_people_go_to_the_login_page(client: HttpClient, world: ClinicWorld) -> None:
    review = shared(world, reviewed_repair(world))
    urls = [reverse("review_list"), _new(review.repair_id)]
    urls += [_url(n, review) for n in ("review_detail", "review_edit", "review_amend")]
    for url in [*urls, _url("review_share", review)]:
        response = client.post(url) if "share" in url else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_supervisor_builds_shares_and_everyone_in_the_clinic_reads_it(
    login, world: ClinicWorld
) -> None:
    repair = reviewed_repair(world)
    http = login(world.supervisor)
    page = body(http.get(_new(repair.pk)))
    assert "I met [client] ([client]) and moved too fast." in page
    assert repair.client.code not in page
    response = http.post(_new(repair.pk), CLEAN | {"repair": repair.pk})
    review = CaseReview.objects.get()
    assert response["Location"] == _url("review_detail", review)
    assert "Identifier check: nothing found" in body(http.get(_url("review_detail", review)))
    shared_page = http.post(_url("review_share", review), {"revision": "1"}, follow=True)
    assert "Shared with everyone in the clinic." in flashed(shared_page)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SHARED and review.shared_by == world.supervisor
    for reader in (world.colleague, world.clinician, world.admin, world.trainee):
        page = body(login(reader).get(_url("review_detail", review)))
        assert CLEAN["what_we_learned"] in page
        assert CLEAN["title"] in body(login(reader).get(reverse("review_list")))


def test_sharing_is_refused_with_where_the_identifiers_are(login, world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    review = draft(world, repair, what_happened=f"First.\nMet with {repair.client.code} today.")
    http = login(world.supervisor)
    detail = body(http.get(_url("review_detail", review)))
    assert "Identifier check: 1 to replace before sharing" in detail
    response = http.post(_url("review_share", review), {"revision": "1"}, follow=True)
    assert flashed(response) == [
        services.IDENTIFIERS_REMAIN.format(count=1, s="", them="it"),
        f"What happened, line 2: 'Met with [{repair.client.code}] today.'",
    ]
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT


def test_the_edit_page_replaces_identifiers_without_saving(login, world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    review = draft(world, repair)
    http = login(world.supervisor)
    posted = CLEAN | {"revision": "1", "what_happened": "Juniper Vale went quiet.", "redact": "1"}
    page = body(http.post(_url("review_edit", review), posted))
    assert "[client] went quiet." in page
    assert review.current().what_happened == CLEAN["what_happened"]


def test_a_stale_edit_keeps_the_typed_words_and_saves_nothing(login, world: ClinicWorld) -> None:
    review = draft(world, reviewed_repair(world))
    services.review_save_draft(
        review=review, by=world.supervisor, content=CLEAN | {"title": "Newer"}, expected_revision=1
    )
    posted = CLEAN | {"revision": "1", "title": "Typed over an old page"}
    page = body(login(world.supervisor).post(_url("review_edit", review), posted))
    assert services.STALE in page.replace("&#x27;", "'")
    assert "Typed over an old page" in page
    assert review.current().title == "Newer"


def test_nul_characters_are_refused_at_the_form(login, world: ClinicWorld) -> None:
    review = draft(world, reviewed_repair(world))
    posted = CLEAN | {"revision": "1", "what_we_learned": "Pause\x00 first."}
    response = login(world.supervisor).post(_url("review_edit", review), posted)
    assert response.status_code == 200
    assert "Null characters are not allowed." in body(response)
    assert review.current().what_we_learned == CLEAN["what_we_learned"]


def test_an_amendment_on_the_page_keeps_the_earlier_version_visible(
    login, world: ClinicWorld
) -> None:
    review = shared(world, reviewed_repair(world))
    http = login(world.supervisor)
    posted = CLEAN | {"version": "1", "what_we_change": "A new rule.", "amendment_reason": "Team."}
    assert http.post(_url("review_amend", review), posted).status_code == 302
    page = body(login(world.colleague).get(_url("review_detail", review)))
    assert "A new rule." in page and "Earlier versions" in page
    assert CLEAN["what_we_change"] in page


def test_editing_a_shared_review_goes_to_amend(login, world: ClinicWorld) -> None:
    review = shared(world, reviewed_repair(world))
    response = login(world.supervisor).get(_url("review_edit", review))
    assert response["Location"] == _url("review_amend", review)


def test_a_supervisor_of_another_trainee_cannot_start_one(login, world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    other = make_person(world.clinic, Role.SUPERVISOR)
    assert login(other).get(_new(repair.pk)).status_code == 404


def test_the_clinician_and_a_colleague_cannot_start_one(login, world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    assert login(world.trainee).get(_new(repair.pk)).status_code == 403  # sees it, may not
    assert login(world.colleague).get(_new(repair.pk)).status_code == 404
    assert login(world.supervisor).get(f"{reverse('review_new')}?repair=x").status_code == 400


def test_a_colleague_reads_shared_reviews_but_not_drafts(login, world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    a_draft = draft(world, repair)
    http = login(world.colleague)
    assert http.get(_url("review_detail", a_draft)).status_code == 404
    assert a_draft.current().title not in body(http.get(reverse("review_list")))
    assert login(world.admin).get(_url("review_detail", a_draft)).status_code == 200
    services.review_share(review=a_draft, by=world.supervisor, expected_revision=None)
    http = login(world.colleague)
    assert http.get(_url("review_detail", a_draft)).status_code == 200
    for name in ("review_edit", "review_amend"):
        assert http.get(_url(name, a_draft)).status_code == 403
    assert http.post(_url("review_share", a_draft)).status_code == 403


def test_another_clinic_never_sees_a_review(
    login, world: ClinicWorld, other_world: ClinicWorld
) -> None:
    review = shared(world, reviewed_repair(world))
    for who in ("admin", "supervisor", "clinician"):
        http = login(getattr(other_world, who))
        for name in ("review_detail", "review_edit", "review_amend"):
            assert http.get(_url(name, review)).status_code == 404
        assert http.post(_url("review_share", review)).status_code == 404
        assert http.get(_new(review.repair_id)).status_code == 404
        assert CLEAN["title"] not in body(http.get(reverse("review_list")))


def test_the_shared_page_carries_no_identifier_of_the_client(login, world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    review = shared(world, repair)
    for reader in (world.colleague, world.supervisor, world.admin):
        page = body(login(reader).get(_url("review_detail", review))).lower()
        for identifier in identifiers(repair.client):
            assert identifier.lower() not in page, identifier
        assert reverse("repair_detail", args=[repair.pk]) not in page
        assert reverse("client_detail", args=[repair.client_id]) not in page


def test_a_double_submit_of_a_new_review_opens_the_first_draft(login, world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    http = login(world.supervisor)
    first = http.post(_new(repair.pk), CLEAN | {"repair": repair.pk})
    second = http.post(_new(repair.pk), CLEAN | {"repair": repair.pk}, follow=True)
    assert CaseReview.objects.count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert views.DRAFT_EXISTS in flashed(second)


def test_sharing_a_draft_changed_since_it_was_seen_shares_nothing(
    login, world: ClinicWorld
) -> None:
    review = draft(world, reviewed_repair(world))
    services.review_save_draft(
        review=review, by=world.admin, content=CLEAN | {"title": "Newer"}, expected_revision=1
    )
    response = login(world.supervisor).post(
        _url("review_share", review), {"revision": "1"}, follow=True
    )
    assert flashed(response) == [services.STALE]
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT
