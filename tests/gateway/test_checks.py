# ruff: noqa: E501
"""Each check kind gives the right verdict on a healthy and on a broken gateway fixture."""

from __future__ import annotations

from typing import Any

import pytest

from bot.gateway.checks import OK, PROBLEM, Target, choose_kinds, gateway_hello, run_checks
from bot.gateway.client import GatewayClient
from bot.gateway.gateways import Gateway
from bot.matching.values import paste_values
from tests.gateway import fixtures as fx
from tests.gateway.fake_gateway import FakeGateway

API = f"/tyk/apis/{fx.API_ID}"
KEY = f"/tyk/keys/{fx.KEY}?api_id={fx.API_ID}"
POLICY = f"/tyk/policies/{fx.POLICY_ID}"
CERT = f"/tyk/certs/{fx.CERT_ID}"
CLIENTS = f"/tyk/oauth/clients/{fx.API_ID}"
HOST = {"api_id": fx.API_ID, "host": "orders-svc"}

# kind, values, key, routes, expected outcome, words in the verdict
CASES: list[tuple[str, dict[str, str], str, dict[str, tuple[int, Any]], str, str]] = [
    ("api", HOST, "", {API: (200, fx.api())}, OK, "exists, is active, target http://orders-svc:8080: the host from your error"),
    ("api", HOST, "", {API: (200, fx.api(active=False))}, PROBLEM, "exists but is not active"),
    ("api", HOST, "", {}, PROBLEM, f"API {fx.API_ID} does not exist"),
    ("api", {**HOST, "path": "/payments/admin"}, "", {API: (200, fx.api())}, PROBLEM, "block list"),
    ("api", {"listen_path": "/payments/"}, "", {"/tyk/apis": (200, [fx.api()])}, OK, "payments-v2 exists"),
    ("api", {"listen_path": "/nope/"}, "", {"/tyk/apis": (200, [fx.api()])}, PROBLEM, "No API on this gateway listens on /nope/"),
    ("upstream", HOST, "", {API: (200, fx.api()), "/hello": (200, fx.HELLO)}, OK, "the host from your error; the gateway is healthy"),
    ("upstream", HOST, "", {API: (200, fx.api()), "/hello": (200, fx.HELLO_REDIS_DOWN)}, PROBLEM, "reports redis is fail"),
    ("upstream", {**HOST, "host": "old-svc"}, "", {API: (200, fx.api()), "/hello": (200, fx.HELLO)}, PROBLEM, "names old-svc, but the API now targets orders-svc"),
    ("key", {"api_id": fx.API_ID}, fx.KEY, {KEY: (200, fx.key())}, OK, "Key ****be41 exists, is active and within its quota"),
    ("key", {"api_id": fx.API_ID}, fx.KEY, {KEY: (200, fx.key(expires=1600000000))}, PROBLEM, "Key ****be41 expired on 2020-09-13"),
    ("key", {"api_id": fx.API_ID}, fx.KEY, {KEY: (200, fx.key(access_rights={fx.API_ID: {"limit": {"quota_max": 10, "quota_remaining": 0, "quota_renews": 4102444800}}}))}, PROBLEM, "has used its quota (10); it renews 2100-01-01"),
    ("key", {"api_id": fx.API_ID}, fx.KEY, {}, PROBLEM, "Key ****be41 does not exist"),
    ("policy", {"policy_id": fx.POLICY_ID, "api_id": fx.API_ID}, "", {POLICY: (200, fx.policy())}, OK, "Policy Sample policy exists and is active"),
    ("policy", {"policy_id": fx.POLICY_ID}, "", {POLICY: (200, fx.policy(is_inactive=True))}, PROBLEM, "is inactive"),
    ("policy", {"policy_id": fx.POLICY_ID, "api_id": "other"}, "", {POLICY: (200, fx.policy())}, PROBLEM, "grants no access to API other"),
    ("cert", {"cert_id": fx.CERT_ID}, "", {CERT: (200, fx.cert())}, OK, "Certificate tyk.io is on the gateway and valid"),
    ("cert", {"cert_id": fx.CERT_ID}, "", {CERT: (200, fx.cert("2024-01-01T00:00:00Z"))}, PROBLEM, "expired on 2024-01-01"),
    ("cert", {"cert_id": fx.CERT_ID}, "", {}, PROBLEM, "is not on this gateway"),
    ("oauth", {"api_id": fx.API_ID}, "", {API: (200, fx.api(use_oauth2=True)), CLIENTS: (200, fx.OAUTH_CLIENTS)}, OK, "uses OAuth 2.0 with 1 client(s)"),
    ("oauth", {"api_id": fx.API_ID}, "", {API: (200, fx.api())}, PROBLEM, "does not use OAuth 2.0"),
    ("oauth", {"api_id": fx.API_ID}, "", {API: (200, fx.api(use_oauth2=True)), CLIENTS: (200, [])}, PROBLEM, "has no OAuth clients"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "values", "key", "routes", "outcome", "words"), CASES)
def test_each_check_gives_the_right_verdict(
    tyk: FakeGateway,
    gateway: Gateway,
    kind: str,
    values: dict[str, str],
    key: str,
    routes: dict[str, tuple[int, Any]],
    outcome: str,
    words: str,
) -> None:
    tyk.routes.update(routes)
    result = run_checks(GatewayClient(gateway), Target(dict(values), key), [kind])
    assert result.outcome == outcome, result.text()
    assert words in result.verdict, result.text()
    assert all(r.method == "GET" for r in tyk.requests)
    if key:
        assert key not in result.text() and "****be41" in result.text()


def test_oauth_client_secrets_never_show(tyk: FakeGateway, gateway: Gateway) -> None:
    tyk.routes.update({API: (200, fx.api(use_oauth2=True)), CLIENTS: (200, fx.OAUTH_CLIENTS)})
    result = run_checks(GatewayClient(gateway), Target({"api_id": fx.API_ID}), ["oauth"])
    assert fx.OAUTH_CLIENTS[0]["secret"] not in result.text()
    assert fx.OAUTH_CLIENTS[0]["client_id"] in result.text()


def test_a_paste_and_its_entry_tags_choose_the_checks() -> None:
    paste = (
        f'level=error msg="http: proxy error: dial tcp: lookup orders-svc on 10.0.0.2:53: no '
        f'such host" api_id={fx.API_ID} path=/payments/charge'
    )
    values = paste_values(paste)
    assert values["api_id"] == fx.API_ID and values["host"] == "orders-svc"
    assert choose_kinds(("proxy", "upstream"), values, key_given=False) == ["api", "upstream"]
    assert choose_kinds(("auth", "quota"), values, key_given=False) == ["api"]
    assert choose_kinds(("auth", "quota"), values, key_given=True) == ["api", "key"]
    assert choose_kinds(("oauth",), {}, key_given=False) == ["oauth"]
    assert choose_kinds((), {"cert_id": fx.CERT_ID}, key_given=False) == ["cert"]


def test_the_whole_check_reads_as_one_result(tyk: FakeGateway, gateway: Gateway) -> None:
    tyk.routes.update({API: (200, fx.api()), "/hello": (200, fx.HELLO)})
    result = run_checks(GatewayClient(gateway), Target(dict(HOST)), ["api", "upstream"])
    text = result.text()
    assert text.startswith(f"Check on prod: {fx.API_ID}\n✓ API payments-v2 exists")
    assert f"Calls: GET /tyk/apis/{fx.API_ID} → 200" in text
    assert result.calls[1].startswith("GET /hello → 200")


def test_a_gateway_that_hangs_ends_the_check_with_one_line(
    tyk: FakeGateway, gateway: Gateway
) -> None:
    tyk.hang = True
    result = run_checks(GatewayClient(gateway), Target(dict(HOST)), ["api", "upstream", "oauth"])
    assert len(tyk.requests) == 1  # not asked again after it went silent
    assert result.verdict == "Could not ask the gateway: no answer within 5 s"


def test_hello_line(tyk: FakeGateway, gateway: Gateway) -> None:
    tyk.routes["/hello"] = (200, fx.HELLO)
    assert gateway_hello(GatewayClient(gateway)) == "prod: version v5.5.0, status pass (redis pass)"


def test_a_missing_api_is_fetched_once_and_said_once(tyk: FakeGateway, gateway: Gateway) -> None:
    tyk.routes.update({"/hello": (200, fx.HELLO)})
    client = GatewayClient(gateway)
    result = run_checks(client, Target(dict(HOST)), ["api", "upstream", "oauth"])
    assert result.outcome == PROBLEM
    assert [f.verdict for f in result.findings].count(
        f"API {fx.API_ID} does not exist on this gateway."
    ) == 1
    assert [c for c in result.calls if c.startswith(f"GET {API} ")] and len(
        [c for c in result.calls if c.startswith(f"GET {API} ")]
    ) == 1
    assert "gateway dependency redis: pass" in result.text()
