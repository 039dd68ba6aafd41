"""Requirement 11: no client data in URLs. An address ends up in browser history, server and
proxy logs and Referer headers, so it may carry ids, tokens, dates and choices from a fixed
list, never a name, an email or anything typed as free text.

Three views of the same rule: the URL patterns' parameters, the query-string parameters the
views read, and the GET forms in the templates (statically here; as rendered, on every page a
signed-in person opens, in tests/security/test_headers.py). Typed searches are posted: the
client search (`client_list`) and the audit log's client code.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from django.urls.converters import IntConverter

from tests.factories import make_case, make_client
from tests.test_access import all_patterns

ROOT = Path(__file__).resolve().parents[2] / "reattune"

# Text parameters in paths, and why each is not client data.
TEXT_PATH_PARAMETERS = {
    "token": "a signed, random check-link or password-reset token",
    "uidb64": "a person's numeric id, base64-encoded by Django's password reset",
    "target": "the kind of record brought to supervision: alert, repair, …",
    "measure_id": "the id of a measure definition, such as phq9",
    "task_id": "a background task's random UUID (reattune/worker/)",
}
# Query-string parameters the views read, and what each holds.
QUERY_PARAMETERS = {
    "page": "a page number",
    "show": "open or all",
    "period": "a period from a fixed list",
    "supervisee": "a person's id",
    "alert": "an alert's id",
    "response": "a response's id",
    "case": "a case's id",
    "repair": "a repair's id",
    "meeting": "a meeting's id",
    "corrects": "a reflection's id",
    "next": "a path inside Reattune, made of ids",
    "start": "a date",
    "end": "a date",
    "person": "a person's id",
    "client": "a client's id",
    "url": "a FHIR Questionnaire's canonical address (a measure, never a client)",
}
# Views that hand the whole query string to a form or a helper, and what it reads from it.
WHOLE_QUERY_READERS = {
    "reattune/repairs/views.py": "repair_new's starting point: ?alert=, ?response= or ?case= ids",
    "reattune/audit/views.py": "the audit filter form: two dates, a person's id, a client's id",
    # The API's own filters (ids, and a client's code, which the access log never records: it
    # drops every query string) carried into the next and previous page links unchanged.
    "reattune/api/pagination.py": "the JSON API's list filters, copied into next/previous links",
    "reattune/api/query.py": "only the keys, to refuse one the endpoint does not take",
    # The page links keep the other parameters of the page they are on, which views read only
    # as ids, dates and choices (the test above); a search is posted, so never in a link.
    "reattune/core/pagination.py": "the page's other parameters, copied into its page links",
}
# Input types a GET form may have: none of them takes free text.
GET_INPUT_TYPES = {"hidden", "date", "number", "submit", "button", "checkbox", "radio"}

READ = re.compile(r"""request\.GET\)?\s*(?:\.get\(\s*|\[\s*)["'](\w+)["']""")
WHOLE = re.compile(r"request\.GET(?!\)?\s*(?:\.get\(|\[))")


def python_sources() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "migrations" not in p.parts)


def templates() -> list[Path]:
    return sorted(ROOT.rglob("templates/**/*.html"))


def test_url_patterns_take_only_ids_and_tokens():
    for pattern in all_patterns():
        for name, converter in pattern.pattern.converters.items():  # type: ignore[attr-defined]
            if isinstance(converter, IntConverter):
                continue
            assert name in TEXT_PATH_PARAMETERS, (
                f"{pattern.name} takes {name!r} as text in its path: paths hold ids and tokens "
                "only (add it to TEXT_PATH_PARAMETERS with the reason it is not client data)"
            )


def test_views_read_only_ids_dates_and_choices_from_the_query_string():
    for source in python_sources():
        text = source.read_text()
        where = str(source.relative_to(ROOT.parent))
        for name in READ.findall(text):
            assert name in QUERY_PARAMETERS, f"{where} reads ?{name}= from the query string"
        if WHOLE.search(text):
            assert where in WHOLE_QUERY_READERS, f"{where} reads the whole query string"


class GetForms(HTMLParser):
    """The fields of each form a browser (or htmx) would send as a GET."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[bool] = []  # open forms: does each send a GET?
        self.fields: list[tuple[str, str, str]] = []  # (tag, type, name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = (values.get("method") or "get").lower()
            self.forms.append("hx-get" in values or (method == "get" and "hx-post" not in values))
        elif any(self.forms) and tag in {"input", "textarea", "select"}:
            kind = (values.get("type") or "text").lower() if tag == "input" else tag
            self.fields.append((tag, kind, values.get("name", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.forms:
            self.forms.pop()


def get_form_fields(html: str) -> list[tuple[str, str, str]]:
    parser = GetForms()
    parser.feed(html)
    return parser.fields


def assert_no_free_text_by_get(html: str, where: str) -> None:
    for tag, kind, name in get_form_fields(html):
        assert tag == "select" or kind in GET_INPUT_TYPES, (
            f"{where}: a GET form has a {kind} field {name!r}; typed text must be posted"
        )
        assert not name or name in QUERY_PARAMETERS or "{{" in name, (
            f"{where}: a GET form sends ?{name}="
        )


@pytest.mark.parametrize("template", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_sends_typed_text_in_a_get_form(template):
    assert_no_free_text_by_get(template.read_text(), str(template.relative_to(ROOT)))


def test_a_form_without_a_method_counts_as_get():
    assert get_form_fields('<form><input name="q"></form>') == [("input", "text", "q")]
    assert get_form_fields('<form method="post"><input name="q"></form>') == []


@pytest.mark.django_db
def test_the_client_search_is_posted_and_still_finds_by_code_and_name(world, login):
    make_case(world.clinician, clients=[make_client(world.clinic, "ZX-1")])
    browser = login(world.clinician)
    page = browser.get(reverse("client_list")).content.decode()
    assert '<form method="post" role="search"' in page
    found = browser.post(reverse("client_list"), {"q": "zx-"}).content.decode()
    assert "ZX-1" in found
    assert "ZX-1" not in browser.post(reverse("client_list"), {"q": "nobody"}).content.decode()
    # A typed search in the address is ignored rather than acted on.
    assert "ZX-1" in browser.get(reverse("client_list"), {"q": "nobody"}).content.decode()
