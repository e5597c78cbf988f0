"""Curated knowledge: causes and actions everywhere, and the gateway's missing errors answered."""

from __future__ import annotations

import re

import pytest

from bot.catalog import PLACEHOLDERS, Entry, fill_template, load_knowledge, template_names
from bot.matching.matcher import Matcher
from bot.matching.versions import in_range, is_range, notes_for_version, overlaps

CATALOG = load_knowledge()
MATCHER = Matcher(CATALOG)
GAPS = [e for e in CATALOG if e.origin == "gateway-source"]


def test_every_entry_has_a_cause_and_an_action() -> None:
    missing = [e.id for e in CATALOG if not e.cause.strip() or not e.action.strip()]
    assert missing == []


def test_entries_are_ones_a_person_can_act_on() -> None:
    for e in CATALOG:
        assert len(e.cause) >= 60, e.id
        assert len(e.action) >= 60, e.id
        assert e.docs_url.startswith("https://"), e.id


def _concrete(message: str) -> str:
    """A message as the gateway sends it, placeholders filled in."""
    return re.sub(r"<[a-z][\w -]*>|\$[A-Za-z][\w-]*", "orders-v2", message)


@pytest.mark.parametrize("entry", GAPS, ids=[e.id for e in GAPS])
def test_every_gap_message_matches_its_entry_confidently(entry) -> None:  # type: ignore[no-untyped-def]
    body = f'{{"error": "{_concrete(entry.message)}"}}'
    from_tyk = f"HTTP/1.1 {entry.code}\nX-Generator: tyk.io\n\n{body}"
    result = MATCHER.match(from_tyk)
    assert result.confident, from_tyk
    assert result.matches[0].entry_id == entry.id, (from_tyk, result.matches[0])
    bare = MATCHER.match(body)
    assert bare.matches[0].entry_id == entry.id
    # A bare body is enough, unless the message is an HTTP reason phrase any server sends.
    generic = entry.message.lower() in (
        "not found",
        "internal server error",
        "method not allowed",
        "forbidden",
    )
    assert bare.confident != generic, body


@pytest.mark.parametrize(
    "message, code",
    [
        ("Requested endpoint is forbidden", 403),
        ("Certificate has expired", 403),
        ("access from this IP has been disallowed", 403),
        ("Client certificate required", 401),
        (
            "Session state is missing or unset! Please make sure that auth headers are properly "
            "applied",
            400,
        ),
        ("Content length is required for this request", 411),
        ("websockets are not allowed", 422),
        ("Request timeout while processing keys", 504),
    ],
)
def test_named_gaps_have_entries_with_their_real_code(message: str, code: int) -> None:
    entry = next(e for e in GAPS if e.message == message)
    assert entry.code == code


def test_version_ranges() -> None:
    assert in_range("5.3.9", "<5.4") and not in_range("5.4.0", "<5.4")
    assert in_range("5.14", ">=5.14") and in_range("5.5.1", ">=5.0,<5.6")
    assert in_range("5.3.2", "==5.3") and not in_range("5.4", "==5.3")


def test_version_ranges_with_several_spans_express_backports() -> None:
    backport = ">=5.8.3,<5.9 || >=5.9"
    assert is_range(backport) and is_range(">=5.8.3 <5.9 || >=5.9")
    assert in_range("5.8.3", backport) and in_range("5.12.1", backport)
    assert not in_range("5.8.2", backport) and not in_range("5.7.0", backport)
    lts = "<5.8.8 || >=5.9,<5.11"
    assert in_range("5.8.7", lts) and in_range("5.10.2", lts)
    assert not in_range("5.8.8", lts) and not in_range("5.11.0", lts)
    assert overlaps("==5.9.1", lts) and not overlaps(">=5.11", lts)
    assert not is_range("<5.4 ||") and not is_range("soon")
    policy = next(e for e in CATALOG if e.id == "500-unable-to-access-policy-storage")
    assert notes_for_version(policy.versions, "==5.8.10") == ()
    assert notes_for_version(policy.versions, "==5.10.0") == (policy.versions[0].note,)


def test_version_notes_follow_the_paste() -> None:
    rate = next(e for e in CATALOG if e.id == "429-api-rate-limit-exceeded")
    old_wording = rate.versions[0]
    assert old_wording.applies == "<5.4"
    assert notes_for_version(rate.versions, "==5.3.9") == (old_wording.note,)
    assert notes_for_version(rate.versions, "==5.8.1") == ()
    assert notes_for_version(rate.versions, ">=5.14") == ()
    assert notes_for_version(rate.versions, "<5.14") == (f"In gateway <5.4: {old_wording.note}",)
    assert notes_for_version(rate.versions, None)[0].startswith("In gateway <5.4: ")


def test_answers_use_the_version_a_paste_reveals() -> None:
    old = MATCHER.match(
        'running tyk-gateway:v5.3.2 and getting {"error": "API Rate limit exceeded"}'
    )
    assert old.clues.version == "==5.3.2"
    assert old.matches[0].entry_id == "429-api-rate-limit-exceeded"
    new_log = (
        'time="2026-07-14T09:12:44Z" level=info message="Attempted access to unauthorised API." '
        "mw=AccessRightsCheck"
    )
    assert MATCHER.match(new_log).clues.version == ">=5.14"


# -- card fields -------------------------------------------------------------------------------
def test_every_entry_has_a_card_summary_and_first_step_within_limits() -> None:
    from bot.catalog import FIRST_STEP_MAX, SUMMARY_MAX

    for e in CATALOG:
        assert e.summary.strip(), f"{e.id}: no summary"
        assert e.first_step.strip(), f"{e.id}: no first_step"
        assert len(e.summary) <= SUMMARY_MAX, f"{e.id}: summary of {len(e.summary)} characters"
        assert "\n" not in e.summary, e.id
        # Filled with 20-character values, it must still be short.
        filled = fill_template(e.first_step, {name: "x" * 20 for name in PLACEHOLDERS})
        assert len(e.first_step) <= FIRST_STEP_MAX, f"{e.id}: first_step of {len(e.first_step)}"
        assert len(filled) <= FIRST_STEP_MAX + 60, e.id


def test_first_steps_use_only_known_placeholders() -> None:
    for e in CATALOG:
        unknown = [n for n in template_names(e.first_step) if n not in PLACEHOLDERS]
        assert unknown == [], f"{e.id}: unknown placeholder(s) {unknown}"
        assert "{" not in re.sub(r"\{[a-z_]+\}", "", e.first_step), f"{e.id}: stray brace"


def test_gateway_codes_and_wording_differ_from_the_docs_only_where_the_note_says_so() -> None:
    for e in CATALOG:
        if e.gateway_codes:
            assert e.code not in e.gateway_codes[:1] or len(e.gateway_codes) > 1, e.id
        if e.gateway_message:
            assert e.gateway_message != e.message, e.id


def test_docs_rows_no_client_receives_are_marked() -> None:
    never = {e.id for e in CATALOG if not e.reaches_clients}
    assert "401-wrong-password" in never or any("wrong-password" in i for i in never)
    assert all(e.origin == "docs" for e in CATALOG if e.id in never)


def test_fill_template_uses_values_then_readable_words() -> None:
    template = "From a gateway pod run `nslookup {host}`; check API {api_id}."
    assert fill_template(template, {"host": "orders-svc"}) == (
        "From a gateway pod run `nslookup orders-svc`; check API <api-id>."
    )
    assert fill_template("{unknown} stays", {}) == "{unknown} stays"


def test_every_gateway_source_entry_names_its_source_file_and_check() -> None:
    for entry in GAPS:
        assert re.fullmatch(r"[a-z0-9_./-]+\.go", entry.source), (entry.id, entry.source)
        assert not re.search(r":\d", entry.source), entry.id  # a file, no line numbers
        assert entry.checked, entry.id


def test_source_and_checked_round_trip() -> None:
    entry = GAPS[0]
    again = Entry.from_dict(entry.to_dict())
    assert (again.source, again.checked) == (entry.source, entry.checked)


# -- MCP / JSON-RPC ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "rpc_code, message, entry_id, status",
    [
        (
            -32002,
            "Access to this operation has been disallowed",
            "403-access-to-this-operation-has-been-disallowed",
            403,
        ),
        (-32001, "Authorization field missing", "401-authorization-field-missing", 401),
        (-32700, "parse error", "400-json-rpc-parse-error", 400),
        (-32602, "missing required parameter: name", "400-json-rpc-invalid-params", 400),
        (-32003, "Rate Limit Exceeded", "429-api-rate-limit-exceeded", 429),
    ],
)
def test_json_rpc_envelopes_are_read_with_the_status_their_code_stands_for(
    rpc_code: int, message: str, entry_id: str, status: int
) -> None:
    paste = f'{{"jsonrpc":"2.0","id":1,"error":{{"code":{rpc_code},"message":"{message}"}}}}'
    result = MATCHER.match(paste)
    assert result.clues.codes.get(status, 0) >= 0.9, result.clues.codes
    assert result.matches[0].entry_id == entry_id
    assert result.confident


@pytest.mark.parametrize(
    "message, code",
    [
        ("Loop level too deep. Found more than 5 loops in single request", 500),
        ("Error during virtual endpoint execution. Contact Administrator for more details.", 500),
        ("failed to mock response: mock: there is no example response for the code: 404", 500),
        ("failed to mock response: mock: given code abc is not a valid integer value", 500),
        ("Response body too large", 500),
        ("Couldn't detect target", 500),
        ("Failed to perform internal redirect", 500),
        ("introspection is disabled", 403),
        ("error reading the request", 400),
        ("failed to get OAuth token: oauth2: cannot fetch token: 401 Unauthorized", 500),
        ("access token validation method is not specified", 500),
        ("Validation of API Definition failed. Reason: duplicate auth config.", 400),
        ("the payload should contain x-tyk-api-gateway", 400),
        ("API is referenced by paired MCP proxies: a1, b2", 409),
    ],
)
def test_new_gateway_errors_are_the_confident_top_one_with_their_code(
    message: str, code: int
) -> None:
    paste = f'HTTP/1.1 {code}\nX-Generator: tyk.io\n\n{{\n    "error": "{message}"\n}}'
    result = MATCHER.match(paste)
    assert result.confident, paste
    assert result.matches[0].code == code
    entry = next(e for e in GAPS if e.id == result.matches[0].entry_id)
    assert entry.source and entry.checked
