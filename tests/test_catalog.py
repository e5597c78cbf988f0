"""The catalog files: every docs row is there byte-exact, and the YAML round-trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.catalog import (
    CATALOG_FILE,
    CatalogError,
    Entry,
    dump_entries,
    entry_id,
    import_docs_rows,
    knowledge_dir,
    load_file,
    load_knowledge,
    parse_docs_table,
)
from tests.conftest import SHARED

SEED = SHARED / "seeds" / "tyk-error-status-codes.md"


def test_docs_table_has_105_rows() -> None:
    rows = parse_docs_table(SEED.read_text(encoding="utf-8"))
    assert len(rows) == 105
    assert (400, "Couldn’t decode instruction") in {(r.code, r.message) for r in rows}


def test_every_docs_row_is_in_the_catalog_exactly() -> None:
    rows = parse_docs_table(SEED.read_text(encoding="utf-8"))
    docs_entries = load_file(knowledge_dir() / CATALOG_FILE)
    by_key = {(e.code, e.message): e for e in docs_entries}
    for row in rows:
        entry = by_key.get((row.code, row.message))
        assert entry is not None, f"missing {row.code} {row.message!r}"
        assert entry.guidance == row.guidance, entry.id
        assert entry.origin == "docs"
    assert len(docs_entries) == len(rows)


def test_same_message_under_two_codes_is_two_entries() -> None:
    entries = load_knowledge()
    codes = {e.code for e in entries if e.message == "Authorization Field Missing"}
    assert codes == {400, 401}


def test_ids_are_stable_slugs() -> None:
    assert entry_id(404, "OAuth client doesn’t exist") == "404-oauth-client-doesnt-exist"
    assert entry_id(403, "Certificate with SHA256 $certID not allowed") == (
        "403-certificate-with-sha256-certid-not-allowed"
    )
    for e in load_knowledge():
        assert e.id.startswith(f"{e.code}-")


def test_dump_then_load_round_trips(tmp_path: Path) -> None:
    entries = load_knowledge()
    path = tmp_path / "export.yaml"
    path.write_text(dump_entries(entries), encoding="utf-8")
    assert load_file(path) == entries


def test_import_reports_added_and_changed() -> None:
    rows = parse_docs_table(SEED.read_text(encoding="utf-8"))
    existing = [e for e in load_knowledge() if e.origin == "docs"]
    assert import_docs_rows(existing, rows).unchanged == 105
    edited = "| 400 | API is not OAuth2 | New advice. |\n| 418 | I am a teapot now | Brew less. |\n"
    report = import_docs_rows(existing, parse_docs_table(edited))
    assert [e.message for e in report.added] == ["I am a teapot now"]
    assert [(old.guidance, new.guidance) for old, new in report.changed] == [
        (next(e.guidance for e in existing if e.id == "400-api-is-not-oauth2"), "New advice.")
    ]
    # curated fields survive a guidance update
    old, new = report.changed[0]
    assert (new.cause, new.aliases) == (old.cause, old.aliases)


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"id": "x", "message": "m"}, "int code"),
        ({"id": "x", "code": 99, "message": "m"}, "not an HTTP status"),
        ({"id": "x", "code": 400, "message": " "}, "empty message"),
        ({"id": "x", "code": 400, "message": "m", "colour": "red"}, "unknown field"),
        ({"id": "x", "code": 400, "message": "m", "origin": "web"}, "origin"),
    ],
)
def test_bad_entries_are_refused_with_a_reason(data: dict[str, object], problem: str) -> None:
    with pytest.raises(CatalogError, match=problem):
        Entry.from_dict(data)


def test_page_without_a_table_is_refused() -> None:
    with pytest.raises(CatalogError, match="no"):
        parse_docs_table("# just a heading\n\nsome prose")


def test_override_messages_are_read_from_tyk_conf_or_the_section_alone() -> None:
    from bot.catalog import Override, read_overrides

    section = {"auth.key_not_found": {"code": 401, "message": "No such key"}}
    assert read_overrides(json.dumps({"override_messages": section, "listen_port": 1})) == [
        Override("auth.key_not_found", "No such key", 401)
    ]
    assert read_overrides(json.dumps(section)) == [
        Override("auth.key_not_found", "No such key", 401)
    ]
    assert read_overrides(json.dumps({"listen_port": 8080})) == []
    with pytest.raises(CatalogError):
        read_overrides(json.dumps({"override_messages": {"auth.x": {"code": 99, "message": "m"}}}))
    with pytest.raises(CatalogError):
        read_overrides("{not json")


def test_every_tykerrors_id_the_issue_names_is_on_an_entry() -> None:
    from bot.catalog import Override, override_changes

    entries = load_knowledge()
    ids = [
        "auth.cert_not_found",
        "oauth.auth_field_missing",
        "oauth.key_not_found",
        "oauth.client_deleted",
        "auth.key_is_invalid",
    ]
    changes, unknown = override_changes(entries, [Override(i, f"re-worded {i}") for i in ids])
    assert unknown == []
    assert len(changes) == 4  # two ids stand for `Access to this API has been disallowed`


# The gateway's whole `TykErrors` registry (gateway/mw_auth_key.go, mw_oauth2_key_exists.go at
# master@31e219bebd55) and the entry each id re-words.
TYKERRORS = {
    "auth.auth_field_missing": "401-authorization-field-missing",
    "auth.key_not_found": "403-access-to-this-api-has-been-disallowed",
    "auth.cert_not_found": "403-access-to-this-api-has-been-disallowed",
    "auth.key_is_invalid": "403-access-to-this-api-has-been-disallowed",
    "auth.cert_mismatch": "403-access-to-this-api-has-been-disallowed",
    "auth.cert_expired": "403-certificate-has-expired",
    "auth.cert_required": "401-client-certificate-required",
    "oauth.auth_field_missing": "400-authorization-field-missing",
    "oauth.auth_field_malformed": "400-bearer-token-malformed",
    "oauth.key_not_found": "400-key-not-authorized",
    "oauth.client_deleted": "403-key-not-authorised-oauth-client-access-was-revoked",
}


def test_every_tykerrors_id_is_the_override_id_of_one_entry_and_no_alias() -> None:
    entries = load_knowledge()
    named = {i: [e.id for e in entries if i in e.override_ids] for i in TYKERRORS}
    assert named == {i: [eid] for i, eid in TYKERRORS.items()}
    assert {i for e in entries for i in e.override_ids} == set(TYKERRORS)
    assert not [(e.id, a) for e in entries for a in e.aliases if a in TYKERRORS]


def test_overrides_find_entries_by_override_ids_not_by_aliases() -> None:
    from bot.catalog import Override, override_changes

    by_id = Entry(id="a", code=403, message="Old words", override_ids=("auth.key_not_found",))
    by_alias = Entry(id="b", code=403, message="Other words", aliases=("auth.key_not_found",))
    changes, unknown = override_changes(
        [by_id, by_alias], [Override("auth.key_not_found", "New words", 401)]
    )
    assert changes == {"a": {"aliases": ["New words"], "gateway_codes": [403, 401]}}
    assert unknown == []


def test_override_ids_must_look_like_tykerrors_ids_and_round_trip() -> None:
    entry = Entry(id="a", code=403, message="m", override_ids=("auth.key_not_found",))
    assert Entry.from_dict(entry.to_dict()).override_ids == ("auth.key_not_found",)
    with pytest.raises(CatalogError, match="TykErrors id"):
        Entry.from_dict({"id": "a", "code": 403, "message": "m", "override_ids": ["Key gone"]})
