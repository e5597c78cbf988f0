"""edit_entry and imports: validation, conflicts, history, revert, reset, atomic versions."""

from __future__ import annotations

import threading

import pytest

from bot.catalog import RawEntry
from bot.config import Settings
from bot.service import ConflictError, ImportRejected, Service, ValidationError
from bot.service.catalog_edits import form_changes, form_values
from bot.store import repository as repo

QUOTA = "403-quota-exceeded"


def catalog_version(service: Service) -> int:
    with service.session() as s:
        return repo.catalog_version(s)


def test_an_edit_is_a_revision_with_its_fields_before_and_after(service: Service) -> None:
    record = service.entry_record(QUOTA)
    result = service.edit_entry(
        "edit",
        by="UADMIN",
        entry_id=QUOTA,
        changes={"action": "Raise quota_max."},
        expected_version=record.version,
    )
    assert result.changed == ("action",) and result.version == record.version + 1
    latest = service.history(QUOTA)[0]
    assert (latest.action, latest.changed_by, latest.version) == ("edit", "UADMIN", result.version)
    assert latest.changes["action"] == {"before": record.entry.action, "after": "Raise quota_max."}
    assert service.entry_record(QUOTA).edited_in_store


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": 302}, "code"),
        ({"message": ""}, "message"),
        ({"message": "x" * 301}, "message"),
        ({"summary": "s" * 121}, "summary"),
        ({"first_step": "Check {hots}"}, "first_step"),
        ({"first_step": "x" * 201}, "first_step"),
        ({"docs_url": "not a link"}, "docs_url"),
        ({"aliases": ["Key not authorised"]}, "aliases"),
        ({"code": 400, "message": "Key not authorized"}, "message"),
        ({"override_ids": ["Key not authorised"]}, "override_ids"),
    ],
)
def test_bad_fields_are_refused_by_name_and_nothing_changes(
    service: Service, changes: dict[str, object], field: str
) -> None:
    before = catalog_version(service), service.entry_record(QUOTA).version
    with pytest.raises(ValidationError) as raised:
        service.edit_entry("edit", by="UADMIN", entry_id=QUOTA, changes=changes)
    assert field in raised.value.errors
    assert (catalog_version(service), service.entry_record(QUOTA).version) == before


def test_form_texts_round_trip_and_bad_texts_name_their_field(service: Service) -> None:
    entry = service.entry_record(QUOTA).entry
    assert form_changes(form_values(entry))["versions"] == [
        {"applies": v.applies, "note": v.note} for v in entry.versions
    ]
    with pytest.raises(ValidationError) as raised:
        form_changes(
            {
                "code": "four",
                "versions": "no range here",
                "gateway_codes": "4x",
                "override_ids": "auth.key_not_found, Key not found",
            }
        )
    assert set(raised.value.errors) == {"code", "versions", "gateway_codes", "override_ids"}
    ids = "auth.key_not_found, auth.cert_mismatch"
    assert form_changes({"override_ids": ids}) == {
        "override_ids": ["auth.key_not_found", "auth.cert_mismatch"]
    }


def test_override_ids_are_edited_and_kept_by_the_store(service: Service) -> None:
    record = service.entry_record(QUOTA)
    assert record.entry.override_ids == ()
    service.edit_entry(
        "edit",
        by="UADMIN",
        entry_id=QUOTA,
        changes={"override_ids": ["quota.exceeded"]},
        expected_version=record.version,
    )
    assert service.entry_record(QUOTA).entry.override_ids == ("quota.exceeded",)
    assert service.history(QUOTA)[0].changes["override_ids"] == {
        "before": [],
        "after": ["quota.exceeded"],
    }


def test_a_stale_save_is_a_conflict_that_keeps_both_texts(service: Service) -> None:
    seen = service.entry_record(QUOTA).version
    service.edit_entry(
        "edit", by="UA", entry_id=QUOTA, changes={"action": "theirs"}, expected_version=seen
    )
    with pytest.raises(ConflictError) as raised:
        service.edit_entry(
            "edit", by="UB", entry_id=QUOTA, changes={"action": "mine"}, expected_version=seen
        )
    conflict = raised.value
    assert conflict.changed_by == "UA" and conflict.version == seen + 1
    [field] = [f for f in conflict.fields if f.field == "action"]
    assert (field.theirs, field.yours) == ("theirs", "mine")
    assert conflict.yours.action == "mine"
    assert service.entry_record(QUOTA).entry.action == "theirs"


def test_retire_restore_revert_and_reset(service: Service) -> None:
    paste = '{"error": "Quota exceeded"}'
    original = service.entry_record(QUOTA).entry
    service.edit_entry("retire", by="UA", entry_id=QUOTA)
    assert all(c.entry.id != QUOTA for c in service.explain(paste).candidates)
    service.edit_entry("restore", by="UA", entry_id=QUOTA)
    assert service.explain(paste).best.entry.id == QUOTA  # type: ignore[union-attr]
    service.edit_entry("edit", by="UA", entry_id=QUOTA, changes={"cause": "changed"})
    shipped = next(r for r in service.history(QUOTA) if r.action == "sync")
    reverted = service.edit_entry("revert", by="UB", entry_id=QUOTA, revision_id=shipped.id)
    assert reverted.entry.cause == original.cause
    assert service.history(QUOTA)[0].action == "revert"
    assert service.entry_record(QUOTA).edited_in_store
    service.reset_entry(QUOTA, by="ops")
    assert not service.entry_record(QUOTA).edited_in_store


def test_an_edit_through_one_service_is_seen_by_another(
    service: Service, settings: Settings
) -> None:
    other = Service.open(settings)
    paste = "the gateway says: totally custom teapot failure"
    assert not other.explain(paste).confident
    entry = service.entry_record(QUOTA).entry
    service.edit_entry(
        "edit",
        by="UA",
        entry_id=QUOTA,
        changes={"aliases": [*entry.aliases, "totally custom teapot failure"]},
    )
    assert other.explain(paste).candidates[0].entry.id == QUOTA
    other.engine.dispose()


def test_two_concurrent_edits_move_the_catalog_version_by_two(
    service: Service, settings: Settings
) -> None:
    other = Service.open(settings)
    start = catalog_version(service)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def edit(svc: Service, entry_id: str) -> None:
        barrier.wait()
        try:
            svc.edit_entry("edit", by="UA", entry_id=entry_id, changes={"note": "concurrent"})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=edit, args=(service, QUOTA)),
        threading.Thread(target=edit, args=(other, "429-api-rate-limit-exceeded")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert catalog_version(service) == start + 2
    other.engine.dispose()


def test_a_bad_entry_in_an_import_writes_nothing(service: Service) -> None:
    before = catalog_version(service), service.count_entries()
    items = [
        RawEntry(1, {"id": "418-teapot", "code": 418, "message": "I am a teapot"}),
        RawEntry(4, {"id": QUOTA, "docs_url": "nope"}),
    ]
    with pytest.raises(ImportRejected) as raised:
        service.import_entries(items, by="ops", source="f.yaml")
    assert raised.value.line == 4
    assert (catalog_version(service), service.count_entries()) == before


def test_a_partial_import_changes_only_the_named_fields(service: Service) -> None:
    before = service.entry_record(QUOTA).entry
    plan = service.import_entries(
        [RawEntry(2, {"id": QUOTA, "note": "new note"})], by="ops", source="f.yaml"
    )
    assert plan.applied and [c for _e, c in plan.changed] == [
        {"note": {"before": before.note, "after": "new note"}}
    ]
    after = service.entry_record(QUOTA).entry
    assert (after.cause, after.action, after.aliases) == (
        before.cause,
        before.action,
        before.aliases,
    )
