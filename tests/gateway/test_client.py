"""The Gateway API client: read-only by construction, bounded in time and size."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from bot.config import Settings
from bot.gateway.client import GatewayClient, Refused
from bot.gateway.gateways import Gateway, GatewayConfigError, load_gateways
from tests.gateway import fixtures as fx
from tests.gateway.fake_gateway import SECRET, FakeGateway


def test_a_get_carries_the_secret_header_and_reads_json(tyk: FakeGateway, gateway: Gateway) -> None:
    tyk.routes["/hello"] = (200, fx.HELLO)
    reply = GatewayClient(gateway).get("/hello")
    assert reply.ok and reply.data["version"] == "v5.5.0"
    [seen] = tyk.requests
    assert seen.method == "GET" and seen.headers["x-tyk-authorization"] == SECRET


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "get", "HEAD"])
def test_a_write_method_cannot_be_issued(tyk: FakeGateway, gateway: Gateway, method: str) -> None:
    with pytest.raises(Refused):
        GatewayClient(gateway).request(method, "/tyk/apis/{id}", id=fx.API_ID)
    assert tyk.requests == []


@pytest.mark.parametrize(
    ("template", "values"),
    [
        ("/tyk/reload", {}),
        ("/tyk/reload/group", {}),
        ("/tyk/keys/create", {}),
        ("/tyk/apis/{id}/versions", {"id": "x"}),
        ("/tyk/apis/{id}", {"id": "../reload"}),
        ("/tyk/apis/{id}", {"id": ".."}),
        ("/tyk/apis/{id}", {}),
        ("/tyk/apis/{id}", {"key": "x"}),
    ],
)
def test_a_path_outside_the_allow_list_cannot_be_issued(
    tyk: FakeGateway, gateway: Gateway, template: str, values: dict[str, str]
) -> None:
    client = GatewayClient(gateway)
    if values.get("id") == "../reload":  # quoted into one segment: never a path outside
        client.get(template, **values)
        assert tyk.requests[0].path == "/tyk/apis/..%2Freload"
        return
    with pytest.raises(Refused):
        client.get(template, **values)
    assert tyk.requests == []


def test_query_parameters_outside_the_allow_list_are_refused(gateway: Gateway) -> None:
    with pytest.raises(Refused):
        GatewayClient(gateway).get("/tyk/certs", {"reload": "1"})


def test_a_key_is_shown_only_by_its_last_four_characters(
    tyk: FakeGateway, gateway: Gateway
) -> None:
    tyk.routes[f"/tyk/keys/{fx.KEY}"] = (200, fx.key())
    client = GatewayClient(gateway)
    reply = client.get("/tyk/keys/{key}", key=fx.KEY)
    assert reply.ok and tyk.requests[0].path == f"/tyk/keys/{fx.KEY}"
    assert fx.KEY not in reply.line() and "****be41" in reply.line()


def test_a_gateway_that_hangs_gives_a_one_line_result_within_6_seconds(
    tyk: FakeGateway, gateway: Gateway
) -> None:
    tyk.hang = True
    started = time.monotonic()
    reply = GatewayClient(gateway).get("/hello")
    assert time.monotonic() - started < 6
    assert reply.status == 0 and reply.error == "no answer within 5 s"


def test_a_gateway_that_drips_bytes_is_cut_at_the_deadline() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def drip() -> None:
        conn, _ = listener.accept()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(20):
            time.sleep(0.5)
            try:
                conn.sendall(b" ")
            except OSError:
                break
        conn.close()

    threading.Thread(target=drip, daemon=True).start()
    port = listener.getsockname()[1]
    started = time.monotonic()
    reply = GatewayClient(Gateway("slow", f"http://127.0.0.1:{port}", "s")).get("/hello")
    assert time.monotonic() - started < 6
    assert reply.error == "no answer within 5 s"
    listener.close()


def test_a_gateway_that_is_down_gives_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reply = GatewayClient(Gateway("down", f"http://127.0.0.1:{port}", "s")).get("/hello")
    assert reply.status == 0 and reply.error.startswith("unreachable:") and "\n" not in reply.error


def test_a_wrong_secret_and_a_redirect_and_a_huge_answer_are_one_line_each(
    tyk: FakeGateway, gateway: Gateway
) -> None:
    reply = GatewayClient(Gateway("prod", tyk.url, "wrong")).get("/hello")
    assert reply.status == 403 and "refused tykbot's secret" in reply.error
    tyk.routes["/tyk/apis"] = (200, ["x" * 1000] * 2000)
    big = GatewayClient(gateway, max_bytes=100_000).get("/tyk/apis")
    assert big.status == 0 and "larger than" in big.error
    tyk.routes["/hello"] = (302, {})
    assert "not followed" in GatewayClient(gateway).get("/hello").error


def test_tls_is_verified(tmp_path: object) -> None:
    """An https gateway whose certificate no trusted CA signed is refused, not trusted."""
    import ssl

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    threading.Thread(target=lambda: listener.accept()[0].recv(10), daemon=True).start()
    reply = GatewayClient(Gateway("tls", f"https://127.0.0.1:{port}", "s")).get("/hello")
    assert reply.status == 0 and reply.error  # handshake fails: no answer is trusted
    assert ssl.create_default_context().verify_mode == ssl.CERT_REQUIRED
    listener.close()


def test_gateways_and_their_secrets_come_from_the_environment(tmp_path: object) -> None:
    from pathlib import Path

    secret_file = Path(str(tmp_path)) / "staging.secret"
    secret_file.write_text("from-a-file\n")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        tykbot_gateways="prod=https://gw.internal:8080,staging=http://10.0.0.5:8080/",  # type: ignore[arg-type]
    )
    env = {
        "TYKBOT_GATEWAY_SECRET_PROD": "p-secret",
        "TYKBOT_GATEWAY_SECRET_STAGING_FILE": str(secret_file),
        "TYKBOT_GATEWAY_CHANNELS_PROD": "COPS, CINCIDENT",
    }
    prod, staging = load_gateways(settings, env)
    assert (prod.name, prod.url, prod.secret) == ("prod", "https://gw.internal:8080", "p-secret")
    assert staging.secret == "from-a-file" and staging.allows_channel("CANY")
    assert prod.allows_channel("COPS") and not prod.allows_channel("CRANDOM")
    assert "p-secret" not in repr(prod)
    bad = settings.model_copy(update={"tykbot_gateways": ["prod=ftp://x"]})
    with pytest.raises(GatewayConfigError):
        load_gateways(bad, env)
