from __future__ import annotations

import pytest

from tests.api.conftest import Api, make_api
from tests.factories import ClinicWorld


@pytest.fixture
def api(world: ClinicWorld) -> Api:
    """A record system holding a read-and-write token of `world`'s clinic."""
    return make_api(world)
