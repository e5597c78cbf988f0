"""Gateway logs as a terminal prints them (`[Jun 30 12:52:39]  WARN main: …`, `ERRO[0005] …`)
are read like the `time=… level=… msg=…` lines they stand for."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import load_knowledge
from bot.matching.matcher import Matcher
from bot.matching.tty_logs import tty_lines

MATCHER = Matcher(load_knowledge())
API = "api_id=59927da0564c42097d5a7ff2cc1a30ec org_id=5d9f58489633d7135818b5b5"


def _answer(paste: str) -> tuple[str | None, bool]:
    result = MATCHER.match(paste)
    return (result.matches[0].entry_id if result.matches else None), result.confident


@pytest.mark.parametrize(
    "terminal, logfmt",
    [
        (
            "[Jun 30 12:52:39]  WARN main: Attempted administrative access with invalid or "
            "missing key!",
            'time="Jun 30 12:52:39" level=warning msg="Attempted administrative access with '
            'invalid or missing key!" prefix=main',
        ),
        (
            f"[Oct 11 14:22:51] ERROR proxy: http: proxy error: dial tcp 10.0.0.5:8080: connect: "
            f"connection refused {API}",
            'time="Oct 11 14:22:51" level=error msg="http: proxy error: dial tcp 10.0.0.5:8080: '
            f'connect: connection refused" {API} prefix=proxy',
        ),
        (
            "ERRO[0005] Key not authorized: token has expired      api_id=abc mw=JWTMiddleware "
            "origin=10.0.0.1",
            'time="Feb 02 10:00:00" level=error msg="Key not authorized: token has expired" '
            "api_id=abc mw=JWTMiddleware origin=10.0.0.1",
        ),
        (
            "[Feb 02 10:00:00] DEBUG Finished api_id=abc code=403 error=Quota exceeded "
            "mw=RateLimitAndQuotaCheck",
            'time="Feb 02 10:00:00" level=debug msg=Finished api_id=abc code=403 '
            'error="Quota exceeded" mw=RateLimitAndQuotaCheck',
        ),
    ],
)
def test_a_terminal_line_is_answered_like_its_logfmt_twin(terminal: str, logfmt: str) -> None:
    assert _answer(logfmt)[1]
    assert _answer(terminal) == _answer(logfmt)


PROXY_ERROR = (
    "[Jun 30 12:53:00] ERROR proxy: http: proxy error: dial tcp 10.0.0.5:8080: connect: "
    f"connection refused {API}"
)
EXPIRED = f"ERRO[0061] Key not authorized: token has expired {API}"  # no word `error` in it


@pytest.mark.parametrize(
    "stamp, info, failed, entry_id",
    [
        (
            "[Jun 30 12:{m:02d}:{s:02d}]",
            " INFO",
            PROXY_ERROR,
            "500-there-was-a-problem-proxying-the-request",
        ),
        ("INFO[{i:04d}]", "", EXPIRED, "401-key-has-expired-please-renew"),
    ],
)
def test_the_error_line_of_a_terminal_start_up_log_is_found_wherever_it_is(
    stamp: str, info: str, failed: str, entry_id: str
) -> None:
    rng = random.Random(5)
    chatter = [
        f"{stamp.format(i=i, m=i // 60, s=i % 60)}{info} main: Loading API "
        + "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(8))  # a shape of its own
        + f" api_name=svc-{i}"
        for i in range(100)
    ]
    for at in (50, 100):  # more lines before it than the matcher keeps fragments
        paste = "\n".join([*chatter[:at], failed, *chatter[at:]])
        assert _answer(paste) == (entry_id, True), at


def test_start_up_chatter_alone_gets_no_confident_answer() -> None:
    assert not _answer("[Feb 02 10:00:00]  INFO main: Detected 0 APIs")[1]


def test_message_prefix_and_fields_are_told_apart() -> None:
    (line,) = tty_lines(
        "tyk-gateway_1  | [Jun 02 08:41:19] ERROR Failed to get resource URL api_id=1 "
        'error=Get "https://idp/jwks": dial tcp 1.2.3.4:443: connect: connection refused '
        "mw=JWTMiddleware"
    )
    assert (line.level, line.message) == ("ERROR", "Failed to get resource URL")
    assert line.errors == (
        'Get "https://idp/jwks": dial tcp 1.2.3.4:443: connect: connection refused',
    )
    (line,) = tty_lines("[Oct 11 14:22:51] ERROR http: proxy error: EOF")  # no prefix
    assert line.message == "http: proxy error: EOF"
    (line,) = tty_lines('ERRO[0005] Couldn\'t get token   error="Get \\"https://x\\": EOF" mw=JWT')
    assert (line.message, line.errors) == ("Couldn't get token", ('Get "https://x": EOF',))


@given(st.text(alphabet=st.sampled_from(list("[] ERO:Jun30=ax\n\"'")), max_size=4000))
def test_any_text_reads_without_error_and_every_message_is_in_it(text: str) -> None:
    for line in tty_lines(text):
        assert line.message in text
        assert all(error in text or '\\"' in text for error in line.errors)
