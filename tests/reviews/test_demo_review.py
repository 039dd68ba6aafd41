"""The demo clinic's case review: "a de-identified review of a seeded repair contains no client
identifier (a test searches the output for every identifier of that client)". All synthetic.

The demo is seeded once for the module and committed, as in tests/demo/; each test runs in a
transaction that is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from reattune.cases.models import Client
from reattune.clinics.models import Clinic, User
from reattune.demo.reset import clinic_delete_everything
from reattune.reviews.deidentify import find
from reattune.reviews.drafting import case_identifiers
from reattune.reviews.models import CaseReview, ReviewStatus
from tests.reviews.helpers import identifiers

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Clinic]:
    with django_db_blocker.unblock():
        call_command("demo", "--no-serve", verbosity=0)
        clinic = Clinic.objects.get(slug="demo")
        yield clinic
        clinic_delete_everything(clinic)


def _review(clinic: Clinic) -> CaseReview:
    return CaseReview.objects.select_related("repair__case").get(clinic=clinic)


def _clients(review: CaseReview) -> list[Client]:
    return [p.client for p in review.repair.case.participants.select_related("client")]


def test_the_demo_has_one_shared_review_of_a_seeded_repair(demo: Clinic) -> None:
    review = _review(demo)
    assert review.status == ReviewStatus.SHARED
    assert review.author.is_supervisor
    assert review.repair.kind == "confidentiality"
    assert review.repair.case.clinicians.filter(supervisor_links__supervisor=review.author)


def test_the_demo_review_passes_the_identifier_check(demo: Clinic) -> None:
    review = _review(demo)
    assert find(review.current().sections(), case_identifiers(review.repair)) == []


def test_a_de_identified_review_of_a_seeded_repair_contains_no_client_identifier(
    demo: Clinic, client: Any
) -> None:
    """The shared page, as every person in the clinic sees it, searched for every identifier
    of every client in the case: code, name, its parts, date of birth, email."""
    review = _review(demo)
    searched = [i for c in _clients(review) for i in identifiers(c)]
    assert any(c.name for c in _clients(review)), "the demo client should have a pseudonym"
    assert len(searched) >= 4
    for person in User.objects.filter(clinic=demo):
        client.force_login(person)
        page = client.get(reverse("review_detail", args=[review.pk])).content.decode().lower()
        for identifier in searched:
            assert identifier.lower() not in page, (person, identifier)
        assert reverse("repair_detail", args=[review.repair_id]) not in page


def test_the_demo_review_is_on_the_clinics_review_list(demo: Clinic, client: Any) -> None:
    review = _review(demo)
    client.force_login(User.objects.get(clinic=demo, email="jonah@demo.example"))
    page = client.get(reverse("review_list")).content.decode()
    assert review.current().title in page
