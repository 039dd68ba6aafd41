"""What a page's forms ask for: the field names a browser would post, and the values its radio
buttons, checkboxes and selects offer (so junk can be mixed with what the page itself offers)."""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser


class FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.offered: dict[str, list[str]] = defaultdict(list)
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        name = values.get("name", "")
        if tag in {"input", "textarea"} and name and values.get("type") != "submit":
            if name == "csrfmiddlewaretoken":
                return
            self.offered[name].extend([values["value"]] if values.get("value") else [])
        elif tag == "select" and name:
            self.offered.setdefault(name, [])
            self._select = name
        elif tag == "option" and self._select and values.get("value"):
            self.offered[self._select].append(values["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_fields(html: str) -> dict[str, list[str]]:
    """Each posted name on the page, with the values the page offers for it."""
    parser = FormFields()
    parser.feed(html)
    return dict(parser.offered)
