"""The gateways tykbot may check, read from TYKBOT_GATEWAYS and per-gateway variables.

Per gateway `NAME` (upper-cased, `-` read as `_`):
- `TYKBOT_GATEWAY_SECRET_NAME`, or the file named by `TYKBOT_GATEWAY_SECRET_NAME_FILE`: the
  Gateway API secret (read when a gateway is loaded, kept only in memory, never logged);
- `TYKBOT_GATEWAY_CA_NAME`: a CA file (PEM) that signed the gateway's certificate;
- `TYKBOT_GATEWAY_CHANNELS_NAME`: comma-separated Slack channel ids where checks on it may
  run (every channel when unset).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.config import Settings

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,30}")


class GatewayConfigError(ValueError):
    """TYKBOT_GATEWAYS or a gateway's variables are not usable (the message says why)."""


@dataclass(frozen=True)
class Gateway:
    """One gateway: its name, base URL, secret (never shown), CA file and allowed channels."""

    name: str
    url: str
    secret: str = field(default="", repr=False)
    ca_file: str = ""
    channels: frozenset[str] = frozenset()

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    def allows_channel(self, channel_id: str) -> bool:
        """Whether checks on this gateway may run in that channel."""
        return not self.channels or channel_id in self.channels


def env_name(name: str) -> str:
    """The variable suffix of a gateway name (`eu-prod` -> `EU_PROD`)."""
    return name.upper().replace("-", "_")


def _environment(settings: Settings, environ: Mapping[str, str] | None) -> dict[str, str]:
    """The process environment over the settings' `.env` file (the environment wins)."""
    values: dict[str, str] = {}
    env_file = settings.model_config.get("env_file")
    if environ is None and isinstance(env_file, str) and Path(env_file).is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    return values


def parse_gateways(pairs: list[str]) -> list[tuple[str, str]]:
    """`name=url` pairs, checked: a short lower-case name, an http(s) URL with no path."""
    out: list[tuple[str, str]] = []
    for pair in pairs:
        name, sep, url = pair.partition("=")
        name, url = name.strip().lower(), url.strip().rstrip("/")
        if not sep or not _NAME.fullmatch(name):
            raise GatewayConfigError(f"TYKBOT_GATEWAYS: {pair!r} is not name=https://host:port")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise GatewayConfigError(f"TYKBOT_GATEWAYS: {name}'s URL must be http(s)://host:port")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise GatewayConfigError(f"TYKBOT_GATEWAYS: {name}'s URL must hold no credentials")
        if any(name == seen for seen, _ in out):
            raise GatewayConfigError(f"TYKBOT_GATEWAYS: {name} is named twice")
        out.append((name, url))
    return out


def load_gateways(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Gateway]:
    """The configured gateways with their secrets (empty when TYKBOT_GATEWAYS is unset)."""
    if not settings.tykbot_gateways:
        return []
    env = _environment(settings, environ)
    gateways = []
    for name, url in parse_gateways(settings.tykbot_gateways):
        suffix = env_name(name)
        secret = env.get(f"TYKBOT_GATEWAY_SECRET_{suffix}", "")
        secret_file = env.get(f"TYKBOT_GATEWAY_SECRET_{suffix}_FILE", "")
        if not secret and secret_file:
            try:
                secret = Path(secret_file).read_text().strip()
            except OSError as exc:
                raise GatewayConfigError(
                    f"TYKBOT_GATEWAY_SECRET_{suffix}_FILE: cannot read it ({exc.strerror})"
                ) from None
        channels = env.get(f"TYKBOT_GATEWAY_CHANNELS_{suffix}", "")
        gateways.append(
            Gateway(
                name=name,
                url=url,
                secret=secret,
                ca_file=env.get(f"TYKBOT_GATEWAY_CA_{suffix}", ""),
                channels=frozenset(c.strip() for c in channels.split(",") if c.strip()),
            )
        )
    return gateways


def gateway_names(settings: Settings) -> tuple[str, ...]:
    """The configured gateways' names, without reading any secret (for buttons and help)."""
    try:
        return tuple(name for name, _ in parse_gateways(settings.tykbot_gateways))
    except GatewayConfigError:
        return ()
