"""QR codes of check links, drawn as inline SVG for the in-room tablet.

segno builds the symbol; the SVG is drawn here so that it carries only presentation attributes
(the page's Content-Security-Policy forbids inline styles) and a `<title>` for screen readers.
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from itertools import groupby

import segno

QUIET_ZONE = 4  # modules of light margin, as ISO/IEC 18004 asks for a regular QR code
ERROR_LEVEL = "m"  # recovers about 15%: enough for a glossy screen, keeps the symbol small

# What XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE, U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def qr_svg(data: str, *, title: str, size: int = 240) -> str:
    """`data` as a regular (never Micro) QR code about `size` pixels square, quiet zone included.

    Each module is a whole number of pixels so the edges stay sharp; a white background keeps
    the quiet zone light on a dark page.
    """
    matrix = segno.make(data, micro=False, error=ERROR_LEVEL).matrix
    modules = len(matrix) + 2 * QUIET_ZONE
    pixels = max(1, round(size / modules)) * modules
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "role": "img",
            "viewBox": f"0 0 {modules} {modules}",
            "width": str(pixels),
            "height": str(pixels),
            "shape-rendering": "crispEdges",
        },
    )
    ET.SubElement(svg, "title").text = _NOT_XML.sub("", title)
    ET.SubElement(svg, "rect", width=str(modules), height=str(modules), fill="#ffffff")
    ET.SubElement(svg, "path", d=_dark_modules(matrix), fill="#000000")
    return ET.tostring(svg, encoding="unicode")


def qr_data_uri(data: str, *, title: str = "QR code", size: int = 240) -> str:
    """The same picture as a data: URI for `<img src>`; give the `<img>` its own alt text."""
    encoded = base64.b64encode(qr_svg(data, title=title, size=size).encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def _dark_modules(matrix: tuple[bytearray, ...]) -> str:
    """One rectangle per horizontal run of dark modules, offset by the quiet zone."""
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        for dark, modules in groupby(row):
            length = len(list(modules))
            if dark:
                runs.append(f"M{x + QUIET_ZONE} {y + QUIET_ZONE}h{length}v1h-{length}z")
            x += length
    return "".join(runs)
