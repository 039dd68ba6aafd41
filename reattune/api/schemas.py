"""What goes in and out of the API. Every input refuses unknown fields (a typo in a field name
is an error, not a silently ignored value), and every bound is stated so the OpenAPI
description says what the server will accept."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StrictInt, StrictStr, StringConstraints

from reattune.lib.validation import visible_text

T = TypeVar("T")

# The largest id either database can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1
# PostgreSQL's integer column (a session number) stops here.
MAX_SESSION_NUMBER = 10_000
NO_NUL = "must not contain the NUL character (\\u0000)"


def _no_nul(value: str) -> str:
    """PostgreSQL cannot store NUL in text; refuse it here rather than fail at the database."""
    if "\x00" in value:
        raise ValueError(NO_NUL)
    return value


def _visible(value: str) -> str:
    """A code or name shows in every list: no control or invisible formatting characters,
    and not only spaces (the pages refuse them the same way, reattune/lib/validation.py)."""
    try:
        return visible_text(value)
    except DjangoValidationError as error:
        raise ValueError(error.messages[0]) from None


def _text(max_length: int, min_length: int = 0) -> Any:
    return (
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    )


Code = Annotated[str, *_text(40, 1), AfterValidator(_visible)]
Key = Annotated[str, *_text(40, 1)]
Label = Annotated[str, *_text(60)]
Title = Annotated[str, *_text(200)]
Email = Annotated[str, *_text(254)]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]


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
    name: Title = ""
    date_of_birth: dt.date | None = None
    email: Email = Field("", description="Only used to send check links.")


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


class CaseIn(In):
    kind: Annotated[str, Field(pattern="^(individual|couple|family|group)$")] = "individual"
    title: Title = ""
    client_ids: list[Id] = Field(min_length=1, max_length=50)
    labels: list[Label] = Field(default_factory=list, max_length=50)
    clinician_ids: list[Id] = Field(default_factory=list, max_length=20)
    opened_on: dt.date | None = None


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
    case_id: Id
    date: dt.date
    attendance: Annotated[str, Field(pattern="^(scheduled|attended|cancelled|no_show)$")] = (
        "attended"
    )
    number: Annotated[int, Field(ge=1, le=MAX_SESSION_NUMBER)] | None = Field(
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
    session_id: Id
    participant_id: Id = Field(description="The participant (a client's place in the case).")
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
