"""Secrets are masked before anything is stored, logged or echoed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.matching.redact import MASK, redact

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzdmMiLCJleHAiOjE3MTU2NzY3MDB9.c2lnbmF0dXJl"


def test_authorization_headers_keep_the_scheme() -> None:
    r = redact(f"curl -H 'Authorization: Bearer {JWT}' https://gw")
    assert JWT not in r.text and "Bearer [REDACTED]" in r.text
    assert r.found


def test_tyk_admin_secret_header() -> None:
    r = redact("-H 'x-tyk-authorization: 352d20ee67be67f6340b4c0605b044b7'")
    assert "352d20ee67be67f6340b4c0605b044b7" not in r.text
    assert "x-tyk-authorization header" in r.kinds


def test_base64_json_keys_and_org_hex_keys() -> None:
    b64 = "eyJvcmciOiI1ZTlkOTU0NGExZGNkNjAwMDFkMGVkMjAiLCJpZCI6IjE4ZmQ3In0="
    hexkey = "5e9d9544a1dcd60001d0ed20" + "a" * 32
    r = redact(f"key {b64} and {hexkey}")
    assert b64 not in r.text and hexkey not in r.text


def test_basic_auth_in_urls_and_curl() -> None:
    r = redact("curl -u alice:s3cret https://bob:hunter2@gw.example/api")
    assert "s3cret" not in r.text and "hunter2" not in r.text
    assert "basic-auth credentials" in r.kinds


def test_credentials_in_fields() -> None:
    r = redact('{"client_secret": "abcd1234efgh", "access_token=zzzzyyyy"}')
    assert "abcd1234efgh" not in r.text and "zzzzyyyy" not in r.text


def test_error_text_and_obfuscated_keys_are_left_alone() -> None:
    text = (
        'level=info msg="Key not authorised" key="****be41" api_id=727dad853a8a45f64ab981154d1ffdad'
    )
    r = redact(text)
    assert r.text == text and not r.found


@given(st.text(max_size=500))
def test_redaction_is_stable(text: str) -> None:
    once = redact(text).text
    assert redact(once).text.count(MASK) == once.count(MASK)
