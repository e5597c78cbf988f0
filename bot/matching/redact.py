"""Find and mask secrets in a paste (API keys, JWTs, auth headers, basic-auth credentials)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "[REDACTED]"

# Header values that are credentials: keep the header name and the scheme word, mask the rest.
_HEADER_RE = re.compile(
    r"(?im)(\b(?:proxy-)?authorization|\bx-tyk-authorization|\bx-api-key|\bapi[-_]?key"
    r"|\bcookie|\bx-auth-token)(\s*[:=]\s*)(?:(bearer|basic|token|digest)\s+)?"
    r"(?!\[REDACTED\])([^\s'\";,&]{3,})"
)
# key=value / "key": "value" pairs whose value is a secret.
_PAIR_RE = re.compile(
    r"(?i)([\"']?\b(?:access_token|refresh_token|id_token|client_secret|secret|password|passwd"
    r"|api_key|apikey|auth_token|token|key)\b[\"']?\s*[:=]\s*[\"']?)"
    r"(?!\*{2,}|\[REDACTED\])([^\s\"'&,;}]{4,})"
)
# A JWT starts where no token character stands before it, so two starts never share a run of
# token characters (`eyJa-eyJa-...` is scanned once, not once per `eyJ`).
_JWT_RE = re.compile(r"(?<![\w-])eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
# Tyk keys that are base64 JSON ({"org":..,"id":..}) and org-prefixed hex keys (24 + 32 hex).
_B64_JSON_KEY_RE = re.compile(r"\beyJ[A-Za-z0-9+/=_-]{20,}")
_HEX_KEY_RE = re.compile(r"\b[0-9a-f]{24}[0-9a-f]{32}\b")
# A scheme is short and starts after no scheme character: each run is tried from one place.
_URL_CREDENTIALS_RE = re.compile(
    r"(?i)((?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}://)([^/\s:@]{1,256}):([^/\s@]{1,256})@"
)
_CURL_USER_RE = re.compile(r"(?i)((?:^|\s)(?:-u|--user)\s+['\"]?)([^\s:'\"]+):([^\s'\"]+)")


@dataclass(frozen=True)
class Redaction:
    """A paste with its secrets masked, and which kinds of secret it held."""

    text: str
    kinds: tuple[str, ...]

    @property
    def found(self) -> bool:
        """Whether the paste held any secret."""
        return bool(self.kinds)


def redact(text: str) -> Redaction:
    """Mask every secret in `text`; the kinds list names what was found."""
    kinds: list[str] = []

    def note(kind: str) -> None:
        if kind not in kinds:
            kinds.append(kind)

    def header(m: re.Match[str]) -> str:
        note(f"{m.group(1).lower()} header")
        scheme = f"{m.group(3)} " if m.group(3) else ""
        return f"{m.group(1)}{m.group(2)}{scheme}{MASK}"

    def jwt(_: re.Match[str]) -> str:
        note("JWT")
        return MASK

    def api_key(_: re.Match[str]) -> str:
        note("API key")
        return MASK

    def pair(m: re.Match[str]) -> str:
        note("credential")
        return f"{m.group(1)}{MASK}"

    def basic(m: re.Match[str]) -> str:
        note("basic-auth credentials")
        return f"{m.group(1)}{m.group(2)}:{MASK}" if m.lastindex == 3 else m.group(0)

    out = _HEADER_RE.sub(header, text)
    out = _JWT_RE.sub(jwt, out)
    out = _B64_JSON_KEY_RE.sub(api_key, out)
    out = _HEX_KEY_RE.sub(api_key, out)
    out = _URL_CREDENTIALS_RE.sub(lambda m: basic(m) + "@", out)
    out = _CURL_USER_RE.sub(basic, out)
    out = _PAIR_RE.sub(pair, out)
    return Redaction(text=out, kinds=tuple(kinds))
