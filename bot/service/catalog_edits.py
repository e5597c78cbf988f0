"""Catalog edits: add, edit, retire, restore, revert, reset and import; every change a revision.

`edit_entry` is the one way the Slack modals, the CLI and imports change the catalog. In one
transaction it bumps the catalog version in SQL (first, so concurrent edits queue on that row
and each moves the version by one), checks the version the editor saw, validates, and writes
the entry with a revision (who, when, which fields, before and after).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog import (
    FIRST_STEP_MAX,
    PLACEHOLDERS,
    SUMMARY_MAX,
    CatalogError,
    DocsRow,
    Entry,
    ImportReport,
    RawEntry,
    diff_entries,
    entry_id,
    entry_values,
    import_docs_rows,
    is_override_id,
    load_knowledge,
    template_names,
)
from bot.matching.normalize import normalize
from bot.matching.versions import is_range
from bot.service.core import ServiceCore
from bot.store import repository as repo
from bot.store.models import AliasRow, EntryRevision, EntryRow

ACTIONS = ("add", "edit", "retire", "restore", "revert")
# The fields an admin edits, in the order forms show them.
EDITABLE = (
    "code",
    "message",
    "summary",
    "first_step",
    "cause",
    "action",
    "guidance",
    "aliases",
    "tags",
    "docs_url",
    "note",
    "versions",
    "gateway_message",
    "gateway_codes",
    "override_ids",
)
LABELS = {
    "code": "Status code",
    "message": "Message",
    "summary": "Summary",
    "first_step": "First step",
    "cause": "Cause",
    "action": "Action",
    "guidance": "Docs guidance",
    "aliases": "Aliases",
    "tags": "Tags",
    "docs_url": "Docs link",
    "source": "Gateway source file",
    "checked": "Checked at",
    "note": "Note",
    "versions": "Version notes",
    "gateway_message": "Gateway wording",
    "gateway_codes": "Gateway codes",
    "override_ids": "override_messages ids",
    "status": "Status",
    "origin": "Origin",
    "reaches_clients": "Reaches clients",
}
MESSAGE_MAX = 300


class EditError(Exception):
    """A catalog change that cannot be made; the message is one line for a person."""


class UnknownEntry(EditError):
    """No entry (or revision) has that id."""


class ValidationError(EditError):
    """Fields that are not right, each with the reason: `{field: message}`."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{LABELS.get(k, k)}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class FieldConflict:
    """One field two admins disagree on: what you started from, their value and yours."""

    field: str
    base: Any
    theirs: Any
    yours: Any


class ConflictError(EditError):
    """Someone saved the entry after you opened it; carries their entry and yours, so nothing
    is lost and your values can be saved again on top of theirs (`version`)."""

    def __init__(
        self,
        theirs: Entry,
        yours: Entry,
        version: int,
        changed_by: str,
        fields: Sequence[FieldConflict],
    ) -> None:
        self.theirs, self.yours, self.version = theirs, yours, version
        self.changed_by, self.fields = changed_by, tuple(fields)
        names = ", ".join(LABELS.get(f.field, f.field) for f in self.fields) or "nothing"
        super().__init__(
            f"{theirs.id} was changed by {changed_by} (now version {version}); "
            f"it differs from yours in: {names}"
        )


class ImportRejected(EditError):
    """An imported file's entry that cannot be applied: its line and the reason."""

    def __init__(self, line: int, reason: str) -> None:
        self.line, self.reason = line, reason
        super().__init__(f"line {line}: {reason}")


@dataclass(frozen=True)
class EditResult:
    """What one change did: the entry now, its version, and which fields changed."""

    entry: Entry
    version: int
    action: str
    changed: tuple[str, ...]


@dataclass(frozen=True)
class EntryRecord:
    """An entry as stored: its version, who changed it last, whether it was edited here."""

    entry: Entry
    version: int
    updated_by: str
    updated_at: datetime
    edited_in_store: bool
    revisions: int


@dataclass(frozen=True)
class Revision:
    """One change of an entry: who, when, what kind, which fields (before and after)."""

    id: int
    entry_id: str
    version: int
    action: str
    changed_by: str
    changed_at: datetime
    reason: str
    changes: dict[str, Any]


@dataclass
class ImportPlan:
    """What an import did (or, as a dry run, would do)."""

    added: list[Entry] = field(default_factory=list)
    changed: list[tuple[Entry, dict[str, Any]]] = field(default_factory=list)
    retired: list[Entry] = field(default_factory=list)
    unchanged: int = 0
    applied: bool = False


class _RollBack(Exception):
    """Rolls back a transaction that changed nothing or was a dry run (version bump included)."""

    def __init__(self, result: object) -> None:
        self.result = result


# -- forms: text fields to entry values and back ------------------------------------------------
_SPLIT = re.compile(r"[,\s]+")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def form_values(entry: Entry | None) -> dict[str, str]:
    """An entry's editable fields as the texts a form shows (empty for a new entry)."""
    if entry is None:
        return dict.fromkeys(EDITABLE, "")
    return {
        "code": str(entry.code),
        "message": entry.message,
        "summary": entry.summary,
        "first_step": entry.first_step,
        "cause": entry.cause,
        "action": entry.action,
        "guidance": entry.guidance,
        "aliases": "\n".join(entry.aliases),
        "tags": ", ".join(entry.tags),
        "docs_url": entry.docs_url,
        "note": entry.note,
        "versions": "\n".join(f"{v.applies}: {v.note}" for v in entry.versions),
        "gateway_message": entry.gateway_message,
        "gateway_codes": ", ".join(str(c) for c in entry.gateway_codes),
        "override_ids": ", ".join(entry.override_ids),
    }


def form_changes(texts: Mapping[str, str | None]) -> dict[str, Any]:
    """Entry values from a form's texts (only the fields given); ValidationError when a text
    cannot be read (a code that is not a number, a version note without its range)."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, raw in texts.items():
        if name not in EDITABLE:
            continue
        text = (raw or "").strip()
        if name == "code":
            if not text.isdigit():
                errors[name] = "a status code is a number such as 403"
            else:
                out[name] = int(text)
        elif name == "aliases":
            out[name] = list(dict.fromkeys(_lines(text)))
        elif name == "tags":
            out[name] = list(dict.fromkeys(t for t in _SPLIT.split(text) if t))
        elif name == "override_ids":
            ids = list(dict.fromkeys(t for t in _SPLIT.split(text) if t))
            bad = [i for i in ids if not is_override_id(i)]
            if bad:
                errors[name] = f"TykErrors ids such as auth.key_not_found, not {bad[0]!r}"
            else:
                out[name] = ids
        elif name == "gateway_codes":
            words = [w for w in _SPLIT.split(text) if w]
            if not all(w.isdigit() for w in words):
                errors[name] = "status codes separated by commas, such as 403, 401"
            else:
                out[name] = [int(w) for w in words]
        elif name == "versions":
            notes = []
            for line in _lines(text):
                applies, colon, note = line.partition(":")
                if not colon or not note.strip() or not is_range(applies):
                    errors[name] = f"write one note a line as `<range>: <note>`, not {line!r}"
                    break
                notes.append({"applies": applies.strip(), "note": note.strip()})
            out[name] = notes
        else:
            out[name] = text
    if errors:
        raise ValidationError(errors)
    return out


def _well_formed_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in url


def check_fields(before: Entry | None, after: Entry) -> dict[str, str]:
    """The errors of the fields that changed (all of them for a new entry) on their own."""
    changed = set(diff_entries(before, after))
    errors: dict[str, str] = {}
    if "code" in changed and not 400 <= after.code <= 599:
        errors["code"] = "must be a Tyk error status, 400 to 599"
    if "message" in changed and not 1 <= len(after.message.strip()) <= MESSAGE_MAX:
        errors["message"] = f"must be 1 to {MESSAGE_MAX} characters"
    if "summary" in changed and len(after.summary) > SUMMARY_MAX:
        errors["summary"] = f"at most {SUMMARY_MAX} characters ({len(after.summary)} now)"
    if "first_step" in changed:
        unknown = [n for n in template_names(after.first_step) if n not in PLACEHOLDERS]
        if unknown:
            names = ", ".join("{" + n + "}" for n in unknown)
            errors["first_step"] = f"unknown placeholder {names}; known: " + ", ".join(
                "{" + n + "}" for n in PLACEHOLDERS
            )
        elif len(after.first_step) > FIRST_STEP_MAX:
            errors["first_step"] = f"at most {FIRST_STEP_MAX} characters"
    if "docs_url" in changed and not _well_formed_url(after.docs_url):
        errors["docs_url"] = "must be a full http(s) link such as https://tyk.io/docs/..."
    if "versions" in changed:
        bad = [v.applies for v in after.versions if not is_range(v.applies)]
        if bad:
            errors["versions"] = f"{bad[0]!r} is not a version range such as <5.4"
    return errors


def build_entry(before: Entry | None, values: Mapping[str, Any]) -> Entry:
    """The entry `values` describe, or ValidationError naming every field that is wrong."""
    errors: dict[str, str] = {}
    fixed = dict(values)
    code = fixed.get("code")
    if not isinstance(code, int) or not 400 <= code <= 599:
        errors["code"] = "must be a Tyk error status, 400 to 599"
        fixed["code"] = 400  # stand-ins, so the other fields are checked too
    if not str(fixed.get("message") or "").strip():
        errors["message"] = f"must be 1 to {MESSAGE_MAX} characters"
        fixed["message"] = "-"
    codes = fixed.get("gateway_codes") or []
    if not isinstance(codes, list | tuple) or any(
        not isinstance(c, int) or not 100 <= c <= 599 for c in codes
    ):
        errors["gateway_codes"] = "status codes from 100 to 599, separated by commas"
        fixed["gateway_codes"] = []
    ids = fixed.get("override_ids") or []
    if not isinstance(ids, list | tuple) or any(
        not isinstance(i, str) or not is_override_id(i) for i in ids
    ):
        errors["override_ids"] = "TykErrors ids such as auth.key_not_found, separated by commas"
        fixed["override_ids"] = []
    try:
        entry = Entry.from_dict(fixed)
    except CatalogError as exc:
        raise ValidationError({**errors, "message": str(exc)}) from None
    errors = {**check_fields(before, entry), **errors}
    if errors:
        raise ValidationError(errors)
    return entry


def _taken(session: Session, before: Entry | None, after: Entry) -> dict[str, str]:
    """Errors for what another active entry already has: its (code, message) or an alias."""
    if after.status != "active":
        return {}
    errors: dict[str, str] = {}
    reactivated = before is None or before.status != "active"
    if (
        before is None
        or reactivated
        or (before.code, before.message) != (after.code, after.message)
    ):
        key = normalize(after.message)
        rows = session.execute(
            select(EntryRow.id, EntryRow.message).where(
                EntryRow.code == after.code, EntryRow.status == "active", EntryRow.id != after.id
            )
        )
        for other_id, message in rows:
            if normalize(message) == key:
                errors["message"] = f"entry {other_id} already has code {after.code} and this text"
                break
    old = set() if before is None or reactivated else {normalize(a) for a in before.aliases}
    new = {normalize(a): a for a in after.aliases if normalize(a) not in old}
    if new:
        rows = session.execute(
            select(AliasRow.text, AliasRow.entry_id)
            .join(EntryRow, EntryRow.id == AliasRow.entry_id)
            .where(EntryRow.status == "active", EntryRow.id != after.id)
        )
        for text, other_id in rows:
            if normalize(text) in new:
                errors["aliases"] = f"{new[normalize(text)]!r} is already an alias of {other_id}"
                break
    return errors


def _revision(row: EntryRevision) -> Revision:
    return Revision(
        id=row.id,
        entry_id=row.entry_id,
        version=row.version,
        action=row.action,
        changed_by=row.changed_by,
        changed_at=row.changed_at,
        reason=row.reason,
        changes=dict(row.changes or {}),
    )


class CatalogEdits(ServiceCore):
    """Use cases that change the catalog, and the reads an editor needs."""

    # -- reads --------------------------------------------------------------------------------
    def list_entries(self, include_retired: bool = False) -> list[Entry]:
        """Every entry as stored, in code then id order."""
        with self.session() as s:
            return repo.load_entries(s, include_retired=include_retired)

    def count_entries(self) -> int:
        """How many entries the store holds (retired ones too)."""
        with self.session() as s:
            return repo.count_entries(s)

    def entry_record(self, entry_id: str) -> EntryRecord:
        """One entry as stored, with its version; UnknownEntry when there is none."""
        with self.session() as s:
            row = self._row(s, entry_id)
            return EntryRecord(
                entry=repo.row_to_entry(row),
                version=row.version,
                updated_by=row.updated_by,
                updated_at=row.updated_at,
                edited_in_store=row.edited_in_store,
                revisions=len(repo.history(s, entry_id)),
            )

    def history(self, entry_id: str) -> list[Revision]:
        """An entry's revisions, newest first; UnknownEntry when there is no such entry."""
        with self.session() as s:
            self._row(s, entry_id)
            return [_revision(r) for r in repo.history(s, entry_id)]

    @staticmethod
    def _row(session: Session, entry_id: str) -> EntryRow:
        try:
            return repo.get_entry_row(session, entry_id)
        except repo.UnknownEntryError:
            raise UnknownEntry(f"no entry {entry_id!r}") from None

    # -- the one use case for every change -----------------------------------------------------
    def edit_entry(
        self,
        action: str,
        *,
        by: str,
        entry_id: str | None = None,
        changes: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
        revision_id: int | None = None,
        reason: str = "",
        alias_origin: str = "admin",
    ) -> EditResult:
        """Add, edit, retire, restore or revert one entry as `by`, recorded as a revision.

        `changes` are entry values by field (add, edit); `expected_version` is the version the
        editor saw (None: whatever is stored); `revision_id` the revision to go back to;
        `alias_origin` what new aliases are recorded as (`learned` for approved phrasings).
        Raises ValidationError, ConflictError (a stale version) or UnknownEntry.
        """
        if action not in ACTIONS:
            raise EditError(f"unknown change {action!r}")
        wanted = dict(changes or {})
        try:
            with self.session() as s:
                result = self._apply(
                    s,
                    action,
                    by,
                    entry_id,
                    wanted,
                    expected_version,
                    revision_id,
                    reason,
                    alias_origin,
                )
                if not result.changed:
                    raise _RollBack(result)
        except _RollBack as nothing:
            assert isinstance(nothing.result, EditResult)
            return nothing.result
        except repo.StaleEntryError:
            with self.session() as s:
                raise self._conflict(s, str(entry_id), wanted, expected_version) from None
        self.refresh()  # this process answers with the change at once
        return result

    def _apply(
        self,
        s: Session,
        action: str,
        by: str,
        entry_id: str | None,
        changes: dict[str, Any],
        expected_version: int | None,
        revision_id: int | None,
        reason: str,
        alias_origin: str,
    ) -> EditResult:
        # First statement of the transaction: concurrent edits queue here (row lock in
        # PostgreSQL, the write lock in SQLite) and each adds one to the version.
        repo.bump_catalog_version(s)
        version = None
        if action == "add":
            before, after = None, self._new_entry(s, entry_id, changes)
        else:
            if entry_id is None:
                raise EditError(f"{action} needs an entry id")
            row = self._row(s, entry_id)
            before, version = repo.row_to_entry(row), row.version
            after = self._target(s, action, before, changes, revision_id)
            if action == "revert" and not reason:
                reason = f"restored version {self._revision_version(s, revision_id)}"
        errors = {**check_fields(before, after), **_taken(s, before, after)}
        if errors:
            raise ValidationError(errors)
        if expected_version is not None and version != expected_version:
            raise repo.StaleEntryError(after.id)
        if not diff_entries(before, after):
            return EditResult(after, version or 0, action, ())
        saved = repo.save_entry(
            s, after, by, expected_version, reason, action, alias_origin=alias_origin
        )
        now = repo.row_to_entry(repo.get_entry_row(s, after.id))
        return EditResult(now, saved.version, action, tuple(saved.changes))

    @staticmethod
    def _new_entry(s: Session, entry_key: str | None, changes: Mapping[str, Any]) -> Entry:
        values = {"origin": "admin", **changes, "status": "active", "id": entry_key or None}
        entry = build_entry(None, values)
        if repo.entry_version(s, entry.id) is not None:
            raise ValidationError(
                {"message": f"entry {entry.id} already exists (retired entries can be restored)"}
            )
        return entry

    @staticmethod
    def _target(
        s: Session,
        action: str,
        before: Entry,
        changes: Mapping[str, Any],
        revision_id: int | None,
    ) -> Entry:
        """The entry an action leads to from `before`."""
        if action == "retire":
            return Entry.from_dict({**before.to_dict(), "status": "retired"})
        if action == "restore":
            return Entry.from_dict({**before.to_dict(), "status": "active"})
        if action == "revert":
            old = repo.revision(s, revision_id) if revision_id is not None else None
            if old is None or old.entry_id != before.id:
                raise UnknownEntry(f"{before.id} has no revision {revision_id}")
            return Entry.from_dict({**old.data, "id": before.id})
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise EditError(f"cannot edit {', '.join(sorted(unknown))}")
        return build_entry(before, {**entry_values(before), **changes, "id": before.id})

    @staticmethod
    def _revision_version(s: Session, revision_id: int | None) -> int:
        old = repo.revision(s, revision_id) if revision_id is not None else None
        return old.version if old is not None else 0

    @staticmethod
    def _conflict(
        s: Session, entry_id: str, changes: dict[str, Any], expected_version: int | None
    ) -> ConflictError:
        """What the other admin saved and what you tried to, field by field."""
        row = CatalogEdits._row(s, entry_id)
        theirs = repo.row_to_entry(row)
        seen = repo.revision_at(s, entry_id, expected_version) if expected_version else None
        base = entry_values(Entry.from_dict({**seen.data, "id": entry_id})) if seen else {}
        yours = Entry.from_dict({**entry_values(theirs), **changes, "id": entry_id})
        their_values, your_values = entry_values(theirs), entry_values(yours)
        fields = []
        for name in EDITABLE:
            they_changed = name in base and base[name] != their_values[name]
            if they_changed or their_values[name] != your_values[name]:
                fields.append(
                    FieldConflict(name, base.get(name), their_values[name], your_values[name])
                )
        return ConflictError(theirs, yours, row.version, row.updated_by, fields)

    # -- knowledge/ and files ------------------------------------------------------------------
    def reset_entry(self, entry_id: str, by: str) -> EditResult:
        """Hand an entry edited in the store back to knowledge/: the shipped version again,
        and later releases update it."""
        shipped = {e.id: e for e in load_knowledge()}.get(entry_id)
        if shipped is None:
            raise UnknownEntry(f"{entry_id} is not in knowledge/; retire it instead")
        with self.session() as s:
            repo.bump_catalog_version(s)
            before = repo.row_to_entry(self._row(s, entry_id))
            saved = repo.save_entry(
                s,
                shipped,
                by,
                None,
                "handed back to knowledge/",
                "reset",
                knowledge_digest=repo.knowledge_hash(shipped),
            )
        self.refresh()
        return EditResult(shipped, saved.version, "reset", tuple(diff_entries(before, shipped)))

    def import_entries(
        self, items: Iterable[RawEntry], by: str, source: str, dry_run: bool = False
    ) -> ImportPlan:
        """Apply a catalog file in one transaction; a partial entry changes only the fields it
        names. Any bad entry raises ImportRejected and nothing is written; a dry run writes
        nothing either."""
        plan = ImportPlan()
        try:
            with self.session() as s:
                repo.bump_catalog_version(s)
                for item in items:
                    self._import_one(s, item, by, source, plan)
                if dry_run or not (plan.added or plan.changed or plan.retired):
                    raise _RollBack(plan)
        except _RollBack:
            return plan
        plan.applied = True
        self.refresh()
        return plan

    def _import_one(
        self, s: Session, item: RawEntry, by: str, source: str, plan: ImportPlan
    ) -> None:
        entry_key = str(item.data["id"])
        version = repo.entry_version(s, entry_key)
        before = None if version is None else repo.row_to_entry(repo.get_entry_row(s, entry_key))
        base = {} if before is None else entry_values(before)
        try:
            after = build_entry(before, {**base, **item.data})
        except ValidationError as exc:
            name, reason = next(iter(exc.errors.items()))
            raise ImportRejected(item.line, f"{entry_key}: {name}: {reason}") from None
        changes = diff_entries(before, after)
        if not changes:
            plan.unchanged += 1
            return
        errors = {**check_fields(before, after), **_taken(s, before, after)}
        if errors:
            name, reason = next(iter(errors.items()))
            raise ImportRejected(item.line, f"{entry_key}: {name}: {reason}")
        repo.save_entry(s, after, by, None, f"import {source}", "import")
        if before is None:
            plan.added.append(after)
        elif before.status == "active" and after.status == "retired":
            plan.retired.append(after)
        else:
            plan.changed.append((after, changes))

    def import_docs(self, rows: Sequence[DocsRow], by: str, source: str) -> ImportReport:
        """Merge a Tyk docs table into the store: rows match entries by code and normalised
        message; curated fields are kept; new rows are added. One transaction."""
        try:
            with self.session() as s:
                repo.bump_catalog_version(s)
                report = import_docs_rows(repo.load_entries(s), rows)
                for entry in report.added:
                    repo.save_entry(s, entry, by, None, f"docs {source}", "import")
                for _old, new in report.changed:
                    repo.save_entry(s, new, by, None, f"docs {source}", "import")
                if not (report.added or report.changed):
                    raise _RollBack(report)
        except _RollBack:
            return report
        self.refresh()
        return report


__all__ = [
    "ACTIONS",
    "EDITABLE",
    "LABELS",
    "CatalogEdits",
    "ConflictError",
    "EditError",
    "EditResult",
    "EntryRecord",
    "FieldConflict",
    "ImportPlan",
    "ImportRejected",
    "Revision",
    "UnknownEntry",
    "ValidationError",
    "entry_id",
    "form_changes",
    "form_values",
]
