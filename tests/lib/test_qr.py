from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import segno
from hypothesis import given
from hypothesis import strategies as st

from reattune.lib.qr import QUIET_ZONE, qr_data_uri, qr_svg

NS = "{http://www.w3.org/2000/svg}"
LINK = "https://reattune.example.org/check/3f9c2a7be1d04c55a1b2c3d4e5f60718"
RUN = re.compile(r"M(\d+) (\d+)h(\d+)v1h-\3z")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def path_data(root: ET.Element) -> str:
    path = root.find(NS + "path")
    assert path is not None
    return path.get("d", "")


def drawn_matrix(root: ET.Element) -> list[list[int]]:
    """Read the dark modules back out of the path, without the quiet zone."""
    d = path_data(root)
    assert RUN.sub("", d) == ""  # nothing but runs of dark modules
    size = int(root.get("viewBox", "").split()[2]) - 2 * QUIET_ZONE
    matrix = [[0] * size for _ in range(size)]
    for x, y, length in (map(int, run) for run in RUN.findall(d)):
        for column in range(x, x + int(length)):
            matrix[y - QUIET_ZONE][column - QUIET_ZONE] = 1
    return matrix


def expected_matrix(data: str) -> list[list[int]]:
    return [list(row) for row in segno.make(data, micro=False, error="m").matrix]


def test_it_draws_the_matrix_segno_builds():
    assert drawn_matrix(parse(qr_svg(LINK, title="Check link"))) == expected_matrix(LINK)


@given(st.text(min_size=1, max_size=200))
def test_it_draws_any_text_faithfully(data):
    assert drawn_matrix(parse(qr_svg(data, title="Check link"))) == expected_matrix(data)


def test_it_never_makes_a_micro_code_that_phones_cannot_read():
    root = parse(qr_svg("short", title="Check link"))

    assert len(drawn_matrix(root)) >= 21  # version 1, the smallest regular QR code


def test_it_has_a_title_and_no_styles():
    svg = qr_svg(LINK, title="Check link for <Sam>")
    root = parse(svg)

    assert root.get("role") == "img"
    assert root.findtext(NS + "title") == "Check link for <Sam>"
    assert "&lt;Sam&gt;" in svg
    assert not svg.startswith("<?xml")
    assert all("style" not in element.attrib for element in root.iter())


def test_it_leaves_a_light_quiet_zone():
    root = parse(qr_svg(LINK, title="Check link"))
    _, _, width, height = root.get("viewBox", "").split()
    background = root.find(NS + "rect")
    xs_and_ys = [int(n) for run in RUN.findall(path_data(root)) for n in run[:2]]

    assert background is not None
    assert (background.get("width"), background.get("height"), background.get("fill")) == (
        width,
        height,
        "#ffffff",
    )
    assert min(xs_and_ys) == QUIET_ZONE


def test_it_fits_a_tablet_with_whole_pixels_per_module():
    for data in ("x", LINK, LINK * 4):
        root = parse(qr_svg(data, title="Check link"))
        modules = int(root.get("viewBox", "").split()[2])
        pixels = int(root.get("width", ""))

        assert pixels == int(root.get("height", ""))
        assert pixels % modules == 0
        assert 200 <= pixels <= 300


def test_it_offers_the_same_picture_as_a_data_uri():
    uri = qr_data_uri(LINK, title="Check link")
    prefix = "data:image/svg+xml;base64,"

    assert uri.startswith(prefix)
    assert base64.b64decode(uri.removeprefix(prefix)).decode() == qr_svg(LINK, title="Check link")
