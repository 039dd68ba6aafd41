"""The demo clinic's case review. ALL OF IT IS SYNTHETIC: an invented mistake in an invented case.

One shared review, built by the trainee's supervisor from the confidentiality repair that
reattune.demo.repairs seeds in her caseload (an email sent to an address the client had asked
the clinic not to use). It goes through reattune.reviews.services as a person would: a draft
prefilled from the record, rewritten in a blame-free frame, then shared, which runs the
identifier check; a word that named the client would stop the seed. Afterwards only its
timestamps are moved, to a few days ago.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from reattune.clinics.models import Clinic, Supervision, User
from reattune.demo.people import STAFF
from reattune.repairs.models import Repair
from reattune.reviews import services
from reattune.reviews.drafting import draft_from
from reattune.reviews.models import CaseReview

TRAINEE = "nia"

WORDS = {
    "title": "A session summary emailed to an address the client had asked us not to use",
    "what_happened": (
        "After a session, the clinician emailed the client a summary of what they had agreed. "
        "It went to the address on the referral. At the start of the work the client had "
        "asked us to use a newer one: the old address is shared with a family member, who "
        "opened and read the email. The client rang the next morning to tell us.\n\n"
        "The clinician told the client what had been sent and to whom, said it was our "
        "mistake and apologised, and followed up in writing. The family member confirmed the "
        "email was deleted. In a later session the client said it had led to a painful "
        "argument at home, and the harm was regraded to mild."
    ),
    "contributing_factors": (
        "Systems and process: the client's record holds two addresses with nothing to say "
        "which one to use, and the letter template fills in the referral address.\n"
        "Workload and pressure: the summary went out in a batch of letters at the end of a "
        "long clinic day.\n"
        "Training and supervision: trainees are not shown where contact preferences are "
        "recorded.\n"
        "Communication: the client's request was made by phone and written in a session note, "
        "not in the contact details."
    ),
    "what_we_learned": (
        "This was a human error made likely by our systems: anyone could have sent that "
        "email. Contact preferences kept only in notes are invisible when it matters. The "
        "client was helped most by a prompt, plain account and by being shown, in writing, "
        "that the mistake was ours and not hers."
    ),
    "what_we_change": (
        "One address per client, marked as the one to use; an old address is kept only in "
        "the history. Letters and summaries are not sent in end-of-day batches. Induction for "
        "trainees covers contact preferences. The clinic admin owns the first change, "
        "supervisors the last."
    ),
}


def _when(today: dt.date, days_ago: int, hour: int) -> dt.datetime:
    moment = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour))
    return min(timezone.make_aware(moment), timezone.now())


def seed_reviews(clinic: Clinic, *, today: dt.date) -> list[CaseReview]:
    """Seed the demo clinic's shared case review (see the module docstring)."""
    trainee = User.objects.get(clinic=clinic, email=_email(TRAINEE))
    link = Supervision.objects.active().filter(supervisee=trainee).first()
    repair = (
        Repair.objects.filter(clinic=clinic, kind="confidentiality", case__clinicians=trainee)
        .order_by("pk")
        .first()
    )
    if link is None or repair is None:
        return []
    supervisor = link.supervisor
    # The prefilled draft is where a real author starts; the story's words replace it.
    content = draft_from(repair, supervisor) | WORDS
    review = services.review_create(repair=repair, by=supervisor, content=content)
    review = services.review_share(review=review, by=supervisor, expected_revision=None)
    started, shared = _when(today, 3, 15), _when(today, 2, 11)
    CaseReview.objects.filter(pk=review.pk).update(created_at=started, shared_at=shared)
    review.versions.update(recorded_at=started)
    return [review]


def _email(key: str) -> str:
    return next(member.email for member in STAFF if member.key == key)
