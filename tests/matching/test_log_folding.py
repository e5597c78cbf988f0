"""Whole logs fold their repeats, never the one line whose error-bearing values differ."""

from __future__ import annotations

import json
import random

import pytest

from bot.catalog import load_knowledge
from bot.matching.extract import extract
from bot.matching.matcher import Matcher

MATCHER = Matcher(load_knowledge())
HARD_TIMEOUT = "Upstream service reached hard timeout"
PROXY_ERROR = "There was a problem proxying the request"


def _request(i: int, rng: random.Random) -> dict[str, object]:
    """One access-log record of a Tyk 5.x gateway: the fields of `prefix=access-log`."""
    return {
        "api_id": "c28e6a4f0b3d47e9a1c5f7b9d3e5a702",
        "api_key": f"****{rng.getrandbits(16):04x}",
        "api_name": "geo-enrich",
        "client_ip": f"10.60.{i % 256}.{rng.randint(1, 254)}",
        "host": "geo.quillon.co.uk",
        "latency_gateway": 1,
        "latency_total": rng.randint(5, 90),
        "level": "info",
        "method": "GET",
        "org_id": "66a1d3e85f2c4b0001b7e9c4",
        "path": f"/geo/v2/postcode/{rng.getrandbits(24):X}",
        "prefix": "access-log",
        "protocol": "HTTP/1.1",
        "remote_addr": f"10.60.4.22:{rng.randint(30000, 60000)}",
        "response_code_details": "",
        "response_flag": "",
        "status": 200,
        "time": f"2026-03-02T09:{i // 600 % 60:02d}:{i // 10 % 60:02d}Z",
        "upstream_addr": "http://geo-enrich.geo.svc:8080/geo/v2/postcode",
        "upstream_latency": rng.randint(4, 80),
        "user_agent": "okhttp/4.12.0",
    }


def _logfmt(record: dict[str, object]) -> str:
    """logrus text format: `time=".." level=info key=value ...` (quoted when empty or spaced)."""
    fields = [f'time="{record["time"]}"', f"level={record['level']}"]
    for key, value in record.items():
        if key not in ("time", "level"):
            text = str(value)
            fields.append(f"{key}={json.dumps(text) if not text or ' ' in text else text}")
    return " ".join(fields)


def _access_log(lines: int, bad_at: int, fmt: str, **bad: object) -> str:
    """`lines` access-log lines of status 200 and one with the `bad` fields at `bad_at`."""
    rng = random.Random(lines + bad_at)
    records = [_request(i, rng) for i in range(lines)]
    records[bad_at].update(bad)
    if fmt == "json":
        return "\n".join(json.dumps(r, separators=(",", ":")) for r in records)
    return "\n".join(_logfmt(r) for r in records)


URT = {"status": 502, "response_flag": "URT", "response_code_details": "upstream_request_timeout"}


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
@pytest.mark.parametrize("bad_at", [1_000, 1_999], ids=["middle", "last"])
def test_one_upstream_timeout_among_2000_ok_requests_is_answered(fmt: str, bad_at: int) -> None:
    result = MATCHER.match(_access_log(2_000, bad_at, fmt, **URT))
    assert result.matches[0].message == HARD_TIMEOUT
    assert result.confident
    assert 502 in result.clues.codes


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
def test_one_connection_failure_among_2000_ok_requests_is_answered(fmt: str) -> None:
    bad = {"status": 502, "response_flag": "UCF", "response_code_details": "upstream_conn_fail"}
    result = MATCHER.match(_access_log(2_000, 777, fmt, **bad))
    assert result.matches[0].message == PROXY_ERROR
    assert result.confident


def test_a_status_alone_keeps_its_line() -> None:
    # Nothing but the status tells this line from the 1,999 others: its 503 is still read.
    clues = extract(_access_log(2_000, 1_234, "logfmt", status=503))
    assert 503 in clues.codes
    assert "status=503" in clues.text  # the lines read, repeats folded


def test_an_err_field_keeps_its_line() -> None:
    # Every record carries `err`, empty but on one: the keys alone do not tell the lines apart.
    lines = _access_log(2_000, 42, "json").splitlines()
    errs = ['"err":"context deadline exceeded",' if n == 42 else '"err":"",' for n in range(2_000)]
    paste = "\n".join(
        line.replace('"user_agent"', err + '"user_agent"')
        for line, err in zip(lines, errs, strict=True)
    )
    assert any(f.text == "context deadline exceeded" for f in extract(paste).fragments)


def test_repeated_requests_still_fold() -> None:
    # 2,000 successes and 50 timeouts (other keys, paths, times): one line of each is read.
    rng = random.Random(5)
    records = [_request(i, rng) for i in range(2_050)]
    for record in records[::41]:
        record.update(URT)
    clues = extract("\n".join(_logfmt(r) for r in records))
    assert len(clues.text.splitlines()) <= 3  # the first 200, the first 502, the last line
    assert clues.fragments[0].text == HARD_TIMEOUT


REFUSED = (
    'time="Mar 03 08:02:47" level=error msg="http: proxy error: dial tcp 10.20.4.17:8443: connect: '
    'connection refused" api_id=0f6d2a8c api_name=billing mw=ReverseProxy prefix=proxy'
)
S3_DENIED = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    "<Message>Access Denied</Message><RequestId>{id:016X}</RequestId></Error>"
)


def test_xml_on_repeated_lines_does_not_jump_ahead_of_the_error_line() -> None:
    # An S3 bucket's XML denial printed once per retry, then the gateway's own proxy error:
    # the error line is read first, the XML body once.
    lines = [S3_DENIED.format(id=0x5E1A3C5E7A9C4B1D + n) for n in range(6)] + [REFUSED]
    fragments = extract("\n".join(lines)).fragments
    assert "connection refused" in fragments[0].text
    assert [f.text for f in fragments].count("Access Denied") == 1
