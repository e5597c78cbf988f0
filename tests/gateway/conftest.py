"""A fake Tyk Gateway API on loopback and a Gateway pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.gateway.gateways import Gateway
from tests.gateway.fake_gateway import SECRET, FakeGateway


@pytest.fixture
def tyk() -> Iterator[FakeGateway]:
    server = FakeGateway().start()
    yield server
    server.stop()


@pytest.fixture
def gateway(tyk: FakeGateway) -> Gateway:
    return Gateway(name="prod", url=tyk.url, secret=SECRET)
