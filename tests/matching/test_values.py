"""Values a paste names (bot/matching/values.py): what fills a card's next step.

Only values the paste really states are taken, whole; a redacted value never is; the only part
of a key ever taken is Tyk's own obfuscated `****be41`; and any paste, however long or odd, is
read without an error.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.matching.redact import redact
from bot.matching.values import paste_values


def values_of(paste: str, version: str | None = None) -> dict[str, str]:
    """What the service does: read the values of the redacted paste."""
    return paste_values(redact(paste).text, version)


# -- hosts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "paste, host, port",
    [
        (
            "http: proxy error: dial tcp: lookup orders-svc on 10.96.0.10:53: no such host",
            "orders-svc",
            None,
        ),
        (
            "dial tcp: lookup orders.payments.svc.cluster.local on 10.0.0.10:53: no such host",
            "orders.payments.svc.cluster.local",
            None,
        ),
        (
            "http: proxy error: dial tcp 10.0.0.12:8080: connect: connection refused",
            "10.0.0.12",
            "8080",
        ),
        ("dial tcp orders-svc:443: i/o timeout", "orders-svc", "443"),
        ("dial tcp [fe80::1]:443: i/o timeout", "fe80::1", "443"),
        (
            'Get "http://orders-svc:8080/api/v1/orders": context deadline exceeded',
            "orders-svc",
            "8080",
        ),
        ('Post "https://billing.internal/charge": EOF', "billing.internal", None),
    ],
    ids=["lookup", "lookup-fqdn", "dial-ip", "dial-name", "dial-ipv6", "get-url", "post-url"],
)
def test_the_upstream_host_is_read_from_go_network_errors(
    paste: str, host: str, port: str | None
) -> None:
    found = values_of(paste)
    assert found["host"] == host
    assert found.get("port") == port


def test_the_user_of_a_url_with_credentials_is_not_the_host() -> None:
    found = values_of('Get "https://bob:hunter2@orders-svc:8443/orders": EOF')
    assert found.get("host") in (None, "orders-svc")
    assert "bob" not in found.values()


def test_the_lookup_host_wins_over_the_dns_server() -> None:
    found = values_of("dial tcp: lookup orders-svc on 10.96.0.10:53: no such host")
    assert found["host"] == "orders-svc" and "port" not in found


# -- API, org, path from logs ------------------------------------------------------------------
LOGRUS = (
    'time="2024-05-01T10:00:00Z" level=error msg="http: proxy error" '
    "api_id=6f1c2a9b8e7d api_name=payments-v2 org_id=5e9d9544a1dcd60001d0ed20 "
    "path=/payments/v1/orders prefix=proxy"
)
JSON_LOG = (
    '{"level":"error","msg":"Key not authorized","api_id":"6f1c2a9b8e7d",'
    '"api_name":"payments-v2","org_id":"5e9d9544a1dcd60001d0ed20","path":"/payments/v1/orders"}'
)


@pytest.mark.parametrize("paste", [LOGRUS, JSON_LOG], ids=["logrus", "json"])
def test_api_org_and_path_are_read_from_logrus_and_json_logs(paste: str) -> None:
    found = values_of(paste)
    assert found["api_id"] == "6f1c2a9b8e7d"
    assert found["api_name"] == "payments-v2"
    assert found["org_id"] == "5e9d9544a1dcd60001d0ed20"
    assert found["path"] == "/payments/v1/orders"
    assert found["listen_path"] == "/payments/"


def test_a_quoted_logrus_value_is_read_without_its_quotes() -> None:
    found = values_of('level=warning msg="Key not authorized" api_id="6f1c2a" path="/orders/1"')
    assert found["api_id"] == "6f1c2a" and found["path"] == "/orders/1"


def test_an_api_name_with_spaces_is_read_whole_or_not_at_all() -> None:
    found = values_of('level=error msg="proxy error" api_id=6f1c2a api_name="Payments API"')
    assert found.get("api_name") in (None, "Payments API")


def test_method_and_path_come_from_a_curl_request_line() -> None:
    paste = (
        "*   Trying 10.0.0.5:443...\n"
        "> POST /payments/v1/orders?dry_run=1 HTTP/1.1\n"
        "> Host: gw.example.com\n"
        "< HTTP/1.1 403 Forbidden\n"
        '{"error": "Access to this API has been disallowed"}'
    )
    found = values_of(paste)
    assert found["method"] == "POST"
    assert found["path"] == "/payments/v1/orders"  # the query string is not part of it
    assert found["listen_path"] == "/payments/"


def test_a_template_or_shell_variable_is_not_a_value() -> None:
    found = values_of("api_id=$API_ID api_name={{.Name}} org_id=%ORG% path=/orders")
    assert {"api_id", "api_name", "org_id"}.isdisjoint(found)
    assert found["path"] == "/orders"


def test_a_logged_method_is_upper_cased() -> None:
    assert values_of("method=post path=/orders")["method"] == "POST"


def test_a_path_that_is_not_a_path_is_not_taken() -> None:
    assert "path" not in values_of("path=orders api_id=abc")


# -- keys and secrets --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "paste",
    [
        'level=warning msg="Key not authorized" key=****be41 api_id=abc',
        'level=warning msg="Key not authorized" key="****be41"',
    ],
)
def test_the_key_hint_is_tyks_obfuscated_form(paste: str) -> None:
    assert values_of(paste)["key_hint"] == "key ****be41"


@pytest.mark.parametrize(
    "paste",
    [
        "key=5e9d9544a1dcd60001d0ed20aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "key=abcdef1234567890be41",
        "Authorization: 5e9d9544a1dcd60001d0ed20be41 key not authorised",
        "the key ending be41 is not authorised",
        "key=[REDACTED]",
    ],
)
def test_no_key_hint_from_a_whole_or_redacted_key(paste: str) -> None:
    found = values_of(paste)
    assert "key_hint" not in found
    assert not any("be41" in v or "5e9d9544" in v for v in found.values())


def test_nothing_is_taken_from_a_redacted_value() -> None:
    paste = (
        "api_id=[REDACTED] api_name=[REDACTED] org_id=[REDACTED] path=[REDACTED] "
        '"api_id": "[REDACTED]", key=[REDACTED], lookup [REDACTED] on 10.0.0.1:53, '
        'Get "http://[REDACTED]:8080/x"'
    )
    found = paste_values(paste)
    assert not any("REDACTED" in v for v in found.values()), found
    assert {"api_id", "api_name", "org_id", "path", "key_hint"}.isdisjoint(found)


def test_a_secret_in_the_paste_never_becomes_a_value() -> None:
    jwt = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    )
    paste = (
        f"curl -H 'Authorization: Bearer {jwt}' https://gw/orders\n"
        f"api_id={jwt} key={jwt}\n"
        '{"error": "Key not authorised"}'
    )
    found = values_of(paste)
    assert not any(jwt[:16] in v for v in found.values()), found


# -- versions ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "version, shown",
    [
        ("==5.3.9", "5.3.9"),
        ("==5.8.0-rc1", "5.8.0-rc1"),
        (">=5.14", None),
        ("<5.14", None),
        (None, None),
    ],
)
def test_the_version_only_when_it_is_a_concrete_version(
    version: str | None, shown: str | None
) -> None:
    assert paste_values("x", version).get("version") == shown


# -- any paste ----------------------------------------------------------------------------------
PIECES = [
    "lookup ",
    " on ",
    "dial tcp ",
    'Get "http://',
    "https://",
    "target_url=",
    "upstream: ",
    ":8080",
    ":",
    "/",
    "api_id=",
    'api_name="',
    '"api_id": "',
    '"org_id":"',
    "path=",
    "method=",
    "\n> GET /",
    "\n",
    " ",
    '"',
    "key=",
    "key: ",
    "****",
    "*",
    "be41",
    "[REDACTED]",
    "REDACTED",
    "<",
    "cert_id=",
    "SHA256:",
    "0123456789abcdef" * 4,
    "orders-svc",
    "a" * 300,
    "é",
]
pastes = st.builds(
    lambda parts, times, tail: ("".join(parts) * times + tail)[:40_000],
    st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=60),
    st.integers(min_value=1, max_value=2_000),
    st.text(max_size=200),
)
KEY_HINT = re.compile(r"key \*{4}[A-Za-z0-9]{2,8}")


def check_values(found: dict[str, str]) -> None:
    for name, value in found.items():
        assert isinstance(value, str) and value, (name, value)
        assert "[REDACTED]" not in value, (name, value)
        if name == "key_hint":
            assert KEY_HINT.fullmatch(value), value
        else:
            assert "*" not in value, (name, value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pastes, st.sampled_from([None, "==5.3.9", ">=5.14", "<5.14"]))
def test_any_paste_up_to_40000_chars_gives_clean_values(paste: str, version: str | None) -> None:
    check_values(paste_values(paste, version))
    check_values(values_of(paste, version))


@pytest.mark.parametrize(
    "paste",
    [
        "lookup " * 5_700,
        "dial tcp " + "a" * 39_990,
        "dial tcp " * 4_400,
        'Get "http://' + "a." * 19_990,
        "api_id=" * 5_700,
        'api_name="' + " " * 39_980,
        "key=" + " " * 39_990,
        "key " * 10_000,
        ">" * 39_999,
        "\n> GET " * 5_700,
        "cert " * 8_000,
        "*" * 40_000,
        "[REDACTED]" * 4_000,
    ],
    ids=lambda p: repr(p[:12]),
)
def test_adversarial_40000_char_pastes_are_read(paste: str) -> None:
    assert len(paste) <= 40_000
    check_values(paste_values(paste))


def test_a_redis_address_is_read_from_its_port_or_a_line_naming_redis() -> None:
    on_port = paste_values('error="dial tcp 10.0.3.4:6379: connect: connection refused"')
    assert (on_port["redis_host"], on_port["redis_port"]) == ("10.0.3.4", "6379")
    named = paste_values(
        "proxy error: dial tcp orders:8443: i/o timeout\n"
        'msg="Redis health check failed" error="dial tcp cache.internal:7000: i/o timeout"'
    )
    assert (named["redis_host"], named["redis_port"]) == ("cache.internal", "7000")
    assert named["host"] == "orders"  # the upstream stays the host
    upstream = paste_values("http: proxy error: dial tcp 10.20.4.17:8443: connect: refused")
    assert "redis_host" not in upstream and upstream["host"] == "10.20.4.17"
