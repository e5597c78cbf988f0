"""Which client-facing error strings of a gateway checkout no catalog entry covers.

`tykbot catalog coverage --tyk-source DIR` reads the gateway's Go source (no build, no Go
toolchain): strings returned with an HTTP status (`return errors.New("…"), http.StatusX`,
`fmt.Errorf`), `apiError("…")`, `HandleError(w, r, "…", http.StatusX, …)`, `http.Error(w, "…",
http.StatusX)` and the `TykErrors` registry (`Message:` + `Code:`). String constants named in
those places are resolved within the scanned tree. A string is covered when the matcher answers
it confidently, as the gateway would send it (format verbs filled in), in a Tyk reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

_STR = r'"((?:[^"\\\n]|\\.)*)"'
_IDENT = r"([A-Za-z_][\w.]*)"
_ARG = rf"(?:{_STR}|{_IDENT})"
_STATUS = r"(?:http\.)?(Status\w+|\d{3})"
_FORMAT = r"(?:errors\.New|fmt\.Errorf|fmt\.Sprintf)"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # return errors.New("…"), http.StatusForbidden
    ("return", re.compile(rf"return\s+{_FORMAT}\(\s*{_ARG}[^\n]*?\)\s*,\s*{_STATUS}\b")),
    # apiError("…") / apiError(fmt.Sprintf("…", …)) / apiError(CONST)
    ("apiError", re.compile(rf"\bapiError\(\s*(?:{_FORMAT}\(\s*)?{_ARG}")),
    # handler.HandleError(w, r, "…", http.StatusInternalServerError, true)
    ("HandleError", re.compile(rf"\bHandleError\(\s*\w+\s*,\s*\w+\s*,\s*{_ARG}\s*,\s*{_STATUS}")),
    # http.Error(w, "…", http.StatusBadGateway)
    ("http.Error", re.compile(rf"\bhttp\.Error\(\s*\w+\s*,\s*{_ARG}\s*,\s*{_STATUS}")),
)
# TykErrors[ErrX] = config.TykError{ Message: MsgX, Code: http.StatusForbidden }
_REGISTRY_RE = re.compile(
    rf"TykErrors\[\s*\w+\s*\]\s*=\s*config\.TykError\{{\s*Message:\s*{_ARG}\s*,\s*Code:\s*{_STATUS}"
)
_CONST_RE = re.compile(rf"(?m)^\s*(?:const\s+)?([A-Za-z_]\w*)\s*(?:string\s*)?=\s*{_STR}\s*$")
_ERR_VAR_RE = re.compile(rf"(?m)^\s*(?:var\s+)?([A-Za-z_]\w*)\s*=\s*errors\.New\(\s*{_STR}\s*\)")
_VERB_RE = re.compile(r"%[-+# 0-9.]*[a-zA-Z%]")


@dataclass(frozen=True)
class Found:
    """One client-facing string: its text as written (format verbs kept), status, origin."""

    text: str
    code: int | None
    file: str
    line: int
    kind: str


def _status(name: str | None) -> int | None:
    if not name:
        return None
    if name.isdigit():
        return int(name)
    words = re.findall(r"[A-Z][a-z]*", name.removeprefix("Status"))
    try:
        return int(HTTPStatus["_".join(w.upper() for w in words)])
    except KeyError:
        return {"StatusTeapot": 418}.get(name)


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\").replace("\\n", " ")


def constants(sources: Iterable[str]) -> dict[str, str]:
    """String constants and `errors.New` variables of Go sources, by bare and qualified name
    (`MsgAuthFieldMissing`, `apidef.ErrClassicAPIExpected`; the package qualifier is kept
    loose: any `pkg.Name` resolves to `Name`)."""
    out: dict[str, str] = {}
    for text in sources:
        for m in _CONST_RE.finditer(text):
            out.setdefault(m.group(1), _unescape(m.group(2)))
        for m in _ERR_VAR_RE.finditer(text):
            out.setdefault(m.group(1), _unescape(m.group(2)))
    return out


def scan_source(text: str, file: str, names: dict[str, str]) -> list[Found]:
    """The client-facing strings of one Go file."""
    found: list[Found] = []

    def add(
        m: re.Match[str], literal: str | None, ident: str | None, status: str | None, kind: str
    ) -> None:
        if literal is not None:
            value = _unescape(literal)
        elif ident:
            ident = ident.removesuffix(".Error")  # apiError(apidef.ErrX.Error())
            if ident in ("err", "e"):
                return  # a local error variable: its text is not known here
            value = names.get(ident) or names.get(ident.rsplit(".", 1)[-1], "")
        else:
            value = ""
        if not value or not re.search(r"[A-Za-z]{2}", value):
            return
        line = text.count("\n", 0, m.start()) + 1
        found.append(Found(value, _status(status), file, line, kind))

    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            status = m.group(3) if pattern.groups >= 3 else None
            add(m, m.group(1), m.group(2), status, kind)
    for m in _REGISTRY_RE.finditer(text):
        add(m, m.group(1), m.group(2), m.group(3), "TykErrors")
    return found


def go_files(root: Path) -> Iterator[Path]:
    """The gateway's Go sources: no tests, vendored code or generated mocks."""
    for path in sorted(root.rglob("*.go")):
        rel = path.relative_to(root).as_posix()
        if (
            rel.endswith(("_test.go", "/testutil.go"))
            or rel.startswith(("vendor/", "test/", "."))
            or "/mock" in rel
        ):
            continue
        yield path


def scan_tree(root: Path) -> list[Found]:
    """Every client-facing string of a gateway checkout, unique by text."""
    files = [(p, p.read_text(encoding="utf-8", errors="replace")) for p in go_files(root)]
    names = constants(text for _, text in files)
    seen: dict[str, Found] = {}
    for path, text in files:
        for f in scan_source(text, path.relative_to(root).as_posix(), names):
            seen.setdefault(f.text, f)
    return list(seen.values())


def concrete(text: str) -> str:
    """A format string as a client would see it: each verb filled with a plain value."""
    return _VERB_RE.sub(lambda m: "%" if m.group() == "%%" else "example", text)


def tyk_reply(found: Found) -> str:
    """The string as the gateway's error template would send it."""
    message = concrete(found.text).replace("\\", "\\\\").replace('"', '\\"')
    return f'HTTP/1.1 {found.code or 500}\nX-Generator: tyk.io\n\n{{\n    "error": "{message}"\n}}'
