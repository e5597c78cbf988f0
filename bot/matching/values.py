"""Values a paste names (host, API, path, key hint, ...), to fill an answer's next step.

Pure and linear: every pattern is anchored on a literal word and bounded, so a 40,000-character
paste costs one pass per pattern. Run it on the *redacted* paste: a masked value never fills a
placeholder, and the only part of a key ever taken is Tyk's own obfuscated form (`****be41`).
"""

from __future__ import annotations

import re

MAX_VALUE = 80
_SAFE = re.compile(r"[A-Za-z0-9/][\w.\-/:@]{0,79}")

# logrus `name="a value"` / `name=value`, JSON `"name": "value"`: a quoted value is read whole.
_FIELD = (
    r"""(?:\b{name}\s*=\s*"|"{name}"\s*:\s*")([^"\n]{{1,120}})"|\b{name}=([^"\s,}}]{{1,120}})"""
)
_FIELDS = {
    name: re.compile(_FIELD.format(name=field), re.IGNORECASE)
    for name, field in (
        ("api_id", "api_?id"),
        ("api_name", "api_?name"),
        ("org_id", "org_?id"),
        ("policy_id", "policy_?id"),
        ("path", "path"),
        ("method", "method"),
        ("listen_path", "listen_path"),
    )
}
_KEY_HINT = re.compile(r"\bkey\"?\s*[=:]\s*\"?(\*{4}[A-Za-z0-9]{2,8})\b", re.IGNORECASE)
_LOOKUP = re.compile(r"\blookup ([A-Za-z0-9][\w.-]{0,252}) on ")
REDIS_PORTS = ("6379", "6380", "26379")  # Redis, its TLS port as often set up, Sentinel
_DIAL = re.compile(r"\bdial tcp ([\w.-]{1,253}|\[[0-9a-fA-F:]{2,45}\]):(\d{1,5})")
# A URL's host, after any `user:password@` (never taken as the host).
_USERINFO = r"(?:[^/@\s\"]{1,256}@)?"
_URL = re.compile(
    r"\b(?:Get|Post|Put|Patch|Delete|Head|Options) \"?https?://"
    + _USERINFO
    + r"([\w.-]{1,253})(?::(\d{1,5}))?"
)
_TARGET = re.compile(
    r"\b(?:target(?:_url)?|upstream)\s*[=:]\s*\"?https?://"
    + _USERINFO
    + r"([\w.-]{1,253})(?::(\d{1,5}))?"
)
_REQUEST_LINE = re.compile(
    r"^[> \t]*(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/[^\s?#]{0,200})", re.M
)
_CERT = re.compile(
    r"\b(?:cert(?:ificate)?(?:[ _-]?id)?|SHA256)[\s:=\"]{1,4}([0-9a-f]{24}(?:[0-9a-f]{40})?)\b",
    re.IGNORECASE,
)


def _clean(value: str, spaces: bool = False) -> str | None:
    """The value if it is a plain, shortish token (never a redaction mask); `spaces` allows
    inner spaces (an API's name)."""
    value = value.strip().strip("\"'`").rstrip(".,;")
    if not value or "REDACTED" in value.upper() or "*" in value or "<" in value:
        return None
    m = _SAFE.fullmatch(value.replace(" ", "_") if spaces else value)
    return value if m and len(value) <= MAX_VALUE else None


def _first(pattern: re.Pattern[str], text: str, spaces: bool = False) -> str | None:
    for m in pattern.finditer(text):
        found = next((g for g in m.groups() if g), None)
        value = _clean(found, spaces) if found else None
        if value:
            return value
    return None


def paste_values(text: str, version: str | None = None) -> dict[str, str]:
    """The values a (redacted) paste names, by placeholder name (see bot.catalog.PLACEHOLDERS)."""
    values: dict[str, str] = {}
    for name, pattern in _FIELDS.items():
        found = _first(pattern, text, spaces=name == "api_name")
        if found:
            values[name] = found
    if "method" in values:
        values["method"] = values["method"].upper()
    request = _REQUEST_LINE.search(text)
    if request:
        values.setdefault("method", request.group(1))
        path = _clean(request.group(2))
        if path:
            values.setdefault("path", path)
    if "path" in values and not values["path"].startswith("/"):
        del values["path"]
    if "listen_path" not in values and "path" in values:
        head = values["path"].strip("/").split("/", 1)[0]
        if head:
            values["listen_path"] = f"/{head}/"
    for pattern in (_LOOKUP, _DIAL, _URL, _TARGET):
        m = pattern.search(text)
        host = _clean(m.group(1).strip("[]")) if m else None
        if m and host:
            values["host"] = host
            port = m.group(2) if pattern.groups >= 2 else None
            if port:
                values["port"] = port
            break
    redis = _redis_address(text)
    if redis:
        values["redis_host"], values["redis_port"] = redis
    hint = _KEY_HINT.search(text)
    if hint:
        values["key_hint"] = f"key {hint.group(1)}"
    cert = _first(_CERT, text)
    if cert:
        values["cert_id"] = cert
    if version:
        seen = version.removeprefix("==")
        if seen[:1].isdigit():
            values["version"] = seen
    return values


def _redis_address(text: str) -> tuple[str, str] | None:
    """The first `dial tcp host:port` to Redis: on one of its usual ports, or on a line that
    names Redis (the gateway's storage and pub-sub errors)."""
    for m in _DIAL.finditer(text):
        host = _clean(m.group(1).strip("[]"))
        if not host:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        line = text[start : end if end >= 0 else len(text)]
        if m.group(2) in REDIS_PORTS or "redis" in line.lower():
            return host, m.group(2)
    return None


__all__ = ["paste_values"]
