"""A tiny TOML writer for generated ethics files (no TOML writer is installed). It writes the
layout people write by hand, [[obligation]] blocks and all, and records the line of every key
so tests can check the line an error names."""

from __future__ import annotations

from typing import Any


def toml_string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in '"\\':
            escaped.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    pairs = ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items())
    return "{" + pairs + "}"


class Writer:
    """Write a file: top-level fields, then one [[obligation]] block per obligation.

    `lines[(block, key)]` is the 1-based line a key starts on; block -1 is the top."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.lines: dict[tuple[int, str], int] = {}

    def put(self, block: int, key: str, value: Any, *, style: str = "plain") -> None:
        self.lines[(block, key)] = len(self.out) + 1
        name = toml_string(key) if style == "quoted_key" else key
        if style == "multiline_list" and isinstance(value, list):
            self.out.append(f"{name} = [")
            self.out.extend(f"  {toml_value(v)}," for v in value)
            self.out.append("]")
        elif style == "multiline_text" and isinstance(value, str):
            body = value.replace("\\", "\\\\").replace('"', '\\"')
            self.out.append(f'{name} = """')
            self.out.extend(body.split("\n"))
            self.out[-1] += '"""'
        else:
            self.out.append(f"{name} = {toml_value(value)}")

    def comment(self, text: str) -> None:
        self.out.append(f"# {text}")

    def blank(self) -> None:
        self.out.append("")

    def block(self, n: int) -> None:
        self.blank()
        self.lines[(n, "[[obligation]]")] = len(self.out) + 1
        self.out.append("[[obligation]]")

    def text(self) -> str:
        return "\n".join(self.out) + "\n"


def write(
    top: dict[str, Any], obligations: list[dict[str, Any]], styles: dict[str, str] | None = None
) -> Writer:
    """`styles` maps a field name to "plain", "quoted_key", "multiline_list" or
    "multiline_text", applied wherever that field appears."""
    styles = styles or {}
    writer = Writer()
    writer.comment("Generated for a test: invented wording.")
    for key, value in top.items():
        writer.put(-1, key, value, style=styles.get(key, "plain"))
    for n, obligation in enumerate(obligations):
        writer.block(n)
        for key, value in obligation.items():
            writer.put(n, key, value, style=styles.get(key, "plain"))
    return writer
