"""Building, sharing and amending a case review through the services. All data synthetic."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reattune.reviews import services
from reattune.reviews.drafting import draft_from
from reattune.reviews.models import CaseReview, ReviewStatus
from tests.factories import ClinicWorld
from tests.reviews.helpers import CLEAN, draft, reviewed_repair, shared

pytestmark = pytest.mark.django_db


def test_the_draft_is_prefilled_from_the_repair_with_identifiers_replaced(
    world: ClinicWorld,
) -> None:
    repair = reviewed_repair(world)
    prefilled = draft_from(repair, world.supervisor)
    assert "I met [client] ([client]) and moved too fast." in prefilled["what_happened"]
    assert (
        "Kind: Alliance rupture. Harm: Reached the client, no harm." in (prefilled["what_happened"])
    )
    assert "I, [clinician], was in a hurry." in prefilled["contributing_factors"]
    assert repair.client.code not in str(prefilled)
    assert prefilled["what_we_learned"] == prefilled["what_we_change"] == ""


def test_a_supervisor_of_the_clinician_or_an_admin_may_start_one(world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    assert services.may_start_review(world.supervisor, repair)
    assert services.may_start_review(world.admin, repair)
    for someone in (world.trainee, world.clinician, world.colleague):
        assert not services.may_start_review(someone, repair)
        with pytest.raises(PermissionDenied):
            services.review_create(repair=repair, by=someone, content=CLEAN)


def test_sharing_is_refused_while_an_identifier_remains_and_says_where(
    world: ClinicWorld,
) -> None:
    repair = reviewed_repair(world)
    review = draft(world, repair, what_happened="Intro.\nMet with juniper about the pace.")
    with pytest.raises(services.IdentifiersRemain) as refused:
        services.review_share(review=review, by=world.supervisor, expected_revision=None)
    assert refused.value.where == ["What happened, line 2: 'Met with [juniper] about the pace.'"]
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT and review.shared_at is None


def test_the_check_runs_again_at_share_time_on_the_words_being_shared(
    world: ClinicWorld,
) -> None:
    """The draft was clean when saved; then the client's record gained a name that the
    review happens to use. Sharing checks again, against today's identifiers."""
    repair = reviewed_repair(world)
    review = draft(world, repair, what_we_learned="Ask Rowan before moving on.")
    assert services.check_review(review) == []
    client = repair.client
    client.name = "Rowan Fielding"
    client.save()
    with pytest.raises(services.IdentifiersRemain) as refused:
        services.review_share(review=review, by=world.supervisor, expected_revision=None)
    assert refused.value.where == ["What we learned, line 1: 'Ask [Rowan] before moving on.'"]


def test_sharing_needs_every_section(world: ClinicWorld) -> None:
    review = draft(world, reviewed_repair(world), what_we_change="  ")
    with pytest.raises(ValidationError) as refused:
        services.review_share(review=review, by=world.supervisor, expected_revision=None)
    assert refused.value.message_dict == {
        "what_we_change": [services.EMPTY_SECTION.format(heading="What we change")]
    }


def test_a_share_of_a_draft_that_changed_since_it_was_seen_is_refused(
    world: ClinicWorld,
) -> None:
    review = draft(world, reviewed_repair(world))
    seen = review.revision
    services.review_save_draft(
        review=review, by=world.admin, content=CLEAN | {"title": "Changed"}, expected_revision=seen
    )
    with pytest.raises(services.StaleReview):
        services.review_share(review=review, by=world.supervisor, expected_revision=seen)


def test_sharing_twice_is_harmless(world: ClinicWorld) -> None:
    review = shared(world, reviewed_repair(world))
    again = services.review_share(review=review, by=world.supervisor, expected_revision=1)
    assert again.shared_at == review.shared_at


def test_an_amendment_is_a_new_version_and_the_first_is_kept(world: ClinicWorld) -> None:
    review = shared(world, reviewed_repair(world))
    services.review_amend(
        review=review,
        by=world.supervisor,
        content=CLEAN | {"what_we_change": "Pacing is a standing item in supervision."},
        reason="Agreed at the team meeting.",
        expected_number=1,
    )
    versions = list(review.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].what_we_change == CLEAN["what_we_change"]
    assert versions[1].amendment_reason == "Agreed at the team meeting."


def test_an_amendment_is_checked_too(world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    review = shared(world, repair)
    with pytest.raises(services.IdentifiersRemain):
        services.review_amend(
            review=review,
            by=world.supervisor,
            content=CLEAN | {"title": f"About {repair.client.code}"},
            reason="Clearer title.",
            expected_number=1,
        )
    assert review.versions.count() == 1


def test_a_stale_amendment_saves_nothing(world: ClinicWorld) -> None:
    review = shared(world, reviewed_repair(world))
    change = CLEAN | {"title": "Pace, and what a pause means"}
    services.review_amend(
        review=review, by=world.supervisor, content=change, reason="Title.", expected_number=1
    )
    # A double submit of the same words returns the saved version.
    services.review_amend(
        review=review, by=world.supervisor, content=change, reason="Title.", expected_number=1
    )
    assert review.versions.count() == 2
    with pytest.raises(services.StaleReview):
        services.review_amend(
            review=review,
            by=world.admin,
            content=CLEAN | {"title": "Something else"},
            reason="Other.",
            expected_number=1,
        )


def test_one_draft_per_author_and_repair(world: ClinicWorld) -> None:
    repair = reviewed_repair(world)
    first = draft(world, repair)
    with pytest.raises(services.DraftExists) as exists:
        draft(world, repair)
    assert exists.value.review == first
    assert CaseReview.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", services.EMPTY_TITLE),
        ("title", "x" * 201, "Please keep “Title” under 200 characters (it has 201)."),
        (
            "what_happened",
            "y" * 10_001,
            "Please keep “What happened” under 10,000 characters (it has 10,001).",
        ),
        (
            "what_we_learned",
            "a\x00b",
            services.HIDDEN_CHARACTERS.format(heading="What we learned"),
        ),
    ],
)
def test_bad_words_are_refused_with_a_message_that_says_which(
    world: ClinicWorld, field: str, value: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        draft(world, reviewed_repair(world), **{field: value})
    assert refused.value.message_dict == {field: [message]}
