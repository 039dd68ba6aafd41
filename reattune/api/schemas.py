"""What goes in and out of the API. Every input refuses unknown fields (a typo in a field name
is an error, not a silently ignored value), and every bound is stated so the OpenAPI
description says what the server will accept."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictInt, StrictStr, StringConstraints
from pydantic_core import PydanticCustomError

from reattune.lib.validation import past_date, visible_text, working_date

T = TypeVar("T")

# The largest id either database can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1
# PostgreSQL's integer column (a session number) stops here.
MAX_SESSION_NUMBER = 10_000
NO_NUL = "must not contain the NUL character (\\u0000)"


def _no_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text; refuse it here rather than fail at the database."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", NO_NUL)
    return value


# Text in a query string: no NUL either (it is refused, never silently dropped).
QueryText = Annotated[str, AfterValidator(_no_nul)]


def _form_check(check: Any) -> Any:
    """One of the web forms' checks (reattune/lib/validation.py) as a pydantic validator,
    with the form's own words (no "Value error, " prefix)."""

    def validate(value: Any) -> Any:
        try:
            return check(value)
        except DjangoValidationError as error:
            raise PydanticCustomError("invalid", error.messages[0]) from None

    return AfterValidator(validate)


# A code or name shows in every list: no control or invisible formatting characters, and not
# only spaces (the pages refuse them the same way).
_visible = _form_check(visible_text)
# An optional name, title or label: the form strips outer spaces first (a blank is no value).
_visible_or_blank = _form_check(lambda value: visible_text(value.strip()))
# A date of birth has happened; a session or opening date is one in the life of a clinic.
PastDate = Annotated[dt.date, _form_check(past_date)]
WorkingDate = Annotated[dt.date, _form_check(working_date)]


def _text(max_length: int, min_length: int = 0) -> Any:
    return (
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    )


Code = Annotated[str, *_text(40, 1), _visible]
Key = Annotated[str, *_text(40, 1)]
Label = Annotated[str, *_text(60), _visible_or_blank]
Title = Annotated[str, *_text(200)]
VisibleTitle = Annotated[Title, _visible_or_blank]
Email = Annotated[str, *_text(254)]


# An id in a path or query string (text there, so read as a number).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# An id in a JSON body: a JSON integer only; true, "1" and 1.0 are refused, not read as 1.
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class In(Schema):
    model_config = ConfigDict(extra="forbid")


# Errors ----------------------------------------------------------------------------------------


class ErrorDetail(Schema):
    loc: list[str] = Field(default_factory=list, description="Where: e.g. ['body', 'code'].")
    msg: str
    type: str = ""


class ErrorBody(Schema):
    code: str = Field(description="Stable, for programs: not_found, invalid, rate_limited, …")
    message: str = Field(description="For the developer reading the response.")
    details: list[ErrorDetail | dict[str, Any]]


class ErrorOut(Schema):
    error: ErrorBody


# Clients and cases -----------------------------------------------------------------------------


class ClientIn(In):
    code: Code = Field(description="The clinic's code or pseudonym; unique in the clinic.")
    name: VisibleTitle = ""
    date_of_birth: PastDate | None = None
    email: Email = Field(
        "", description="Only used to email check links, and a reminder the day before a session."
    )


class ClientOut(Schema):
    id: int
    code: str
    name: str
    date_of_birth: dt.date | None
    email: str
    created_at: dt.datetime


class ParticipantOut(Schema):
    id: int = Field(description="The participant id: a client's place in this case.")
    client_id: int
    client_code: str
    label: str


NO_CLINICIAN = (
    "Give at least one clinician: a case on nobody's caseload would send its safety alerts "
    "to nobody."
)


def _some_clinician(ids: list[int]) -> list[int]:
    if not ids:
        raise PydanticCustomError("no_clinician", NO_CLINICIAN)
    return ids


class CaseIn(In):
    kind: Annotated[str, Field(pattern="^(individual|couple|family|group)$")] = "individual"
    title: VisibleTitle = ""
    client_ids: list[BodyId] = Field(min_length=1, max_length=50)
    labels: list[Label] = Field(default_factory=list, max_length=50)
    clinician_ids: Annotated[list[BodyId], AfterValidator(_some_clinician)] = Field(
        max_length=20,
        json_schema_extra={"minItems": 1},
        description=(
            "The clinicians whose caseload the case is on (at least one; not clinic admins). "
            "They are the people its safety alerts go to."
        ),
    )
    opened_on: WorkingDate | None = None


class CaseOut(Schema):
    id: int
    kind: str
    title: str
    opened_on: dt.date
    closed_on: dt.date | None
    clinician_ids: list[int]
    participants: list[ParticipantOut]
    created_at: dt.datetime


class SignalOut(Schema):
    session: int
    signal: str
    measure: str
    severity: str
    detail: str
    participant_id: int | None
    rule: str


# Sessions and responses ------------------------------------------------------------------------


class SessionIn(In):
    case_id: BodyId
    date: WorkingDate
    attendance: Annotated[str, Field(pattern="^(scheduled|attended|cancelled|no_show)$")] = (
        "attended"
    )
    number: Annotated[StrictInt, Field(ge=1, le=MAX_SESSION_NUMBER)] | None = Field(
        None, description="Defaults to the next free number in the case."
    )


class CheckLinkOut(Schema):
    participant_id: int
    client_id: int
    url: str | None = Field(description="The client's check link, or null with the reason.")
    expires_at: dt.datetime | None
    measure_ids: list[str]
    problem: str = Field("", description="Why no link was made (e.g. no measure due).")


class SessionOut(Schema):
    id: int
    case_id: int
    number: int
    date: dt.date
    attendance: str
    created_at: dt.datetime


class SessionCreatedOut(SessionOut):
    check_links: list[CheckLinkOut]


Answers = dict[Key, dict[Key, StrictInt | Annotated[StrictStr, *_text(2000)] | None]]


class ResponseIn(In):
    session_id: BodyId
    participant_id: BodyId = Field(description="The participant (a client's place in the case).")
    answers: Answers = Field(
        description="Answers per measure: {'phq9': {'q1': 2, 'q2': 1, …}}.",
        min_length=1,
        max_length=10,
    )


class ResponseOut(Schema):
    id: int
    session_id: int
    participant_id: int
    client_id: int
    measure_id: str
    measure_version: str
    source: str
    answers: dict[str, Any]
    total: int
    subscales: dict[str, Any]
    submitted_at: dt.datetime


# Alerts and repairs ----------------------------------------------------------------------------


class AlertOut(Schema):
    id: int
    case_id: int
    client_id: int
    participant_id: int
    session_id: int
    response_id: int | None
    signal: str
    measure_id: str
    severity: str
    title: str
    explanation: str
    next_step: str
    status: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None


class RepairOut(Schema):
    id: int
    case_id: int
    client_id: int
    participant_id: int
    alert_id: int | None
    response_id: int | None
    source: str
    kind: str
    harm: str
    status: str
    opened_at: dt.datetime
    discovered_on: dt.date | None
    verify_after: int
    verified_at: dt.datetime | None
    before_total: float | None
    after_total: float | None
    closed_at: dt.datetime | None


# Pages -----------------------------------------------------------------------------------------


class PageQuery(In):
    limit: Annotated[int, Field(ge=1, le=100)] = 50
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0


class Page(Schema, Generic[T]):
    """A page of items: the total count, links to the neighbouring pages, and the items."""

    count: int
    next: str | None
    previous: str | None
    items: list[T]


AlertStatusName = Literal["open", "acknowledged", "dismissed"]
RepairStatusName = Literal["open", "not_held", "held", "closed"]
