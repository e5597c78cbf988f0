"""`tykbot serve`: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT under gunicorn."""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot import logs
from bot.config import Settings
from bot.service import Service
from bot.slack.app import SlackApp, build_app
from bot.slack.client import api_base_url, make_client
from bot.slack.web import WSGIApp, payload_fields, wsgi_app
from bot.store.writes import urgent

log = logging.getLogger("bot.slack")
_SECRET = re.compile(r"[0-9a-fA-F]{16,128}")
_TOKEN = re.compile(r"[A-Za-z0-9-]+")
GRACEFUL_SECONDS = 10


class ConfigError(ValueError):
    """Settings that cannot start the Slack app (one line, for a person)."""


def _check_token(name: str, value: str, prefix: str, where: str) -> None:
    if not value:
        raise ConfigError(f"{name} is not set: {where}")
    if not value.startswith(prefix) or not _TOKEN.fullmatch(value):
        raise ConfigError(
            f"{name} looks malformed: expected a token starting with {prefix!r} ({where})"
        )


def check_settings(settings: Settings) -> str:
    """'socket' or 'http' for these settings; ConfigError when a token is missing or malformed."""
    _check_token(
        "SLACK_BOT_TOKEN",
        settings.slack_bot_token,
        "xoxb-",
        "the Bot User OAuth Token from your app's OAuth & Permissions page",
    )
    if not settings.slack_api_url.startswith(("http://", "https://")):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL, not {settings.slack_api_url!r}")
    if settings.slack_app_token:
        _check_token(
            "SLACK_APP_TOKEN",
            settings.slack_app_token,
            "xapp-",
            "an app-level token with connections:write, from Basic Information",
        )
        if settings.tykbot_role != "all":
            raise ConfigError(
                "TYKBOT_ROLE=commands needs HTTP mode: Socket Mode hands every kind of request "
                "to every connection, so there is nothing to route (unset TYKBOT_ROLE)"
            )
        return "socket"
    if not settings.slack_signing_secret:
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your "
            "app's Basic Information page (or set SLACK_APP_TOKEN for Socket Mode)"
        )
    if not _SECRET.fullmatch(settings.slack_signing_secret):
        raise ConfigError(
            "SLACK_SIGNING_SECRET looks malformed: expected the hex Signing Secret "
            "from your app's Basic Information page"
        )
    if not 0 < settings.port < 65536:
        raise ConfigError(f"PORT must be 1-65535, not {settings.port}")
    return "http"


def start_app(settings: Settings, socket_mode: bool) -> SlackApp:
    """Check the bot token with Slack, open the service and build the app (ConfigError if not)."""
    client = make_client(settings)
    try:
        client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected SLACK_BOT_TOKEN ({exc.response.get('error')}); check the token "
            "and that the app is installed to the workspace"
        ) from exc
    except OSError as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(
            f"cannot reach the Slack API at {api_base_url(settings)} ({reason})"
        ) from exc
    service = Service.open(settings)
    try:
        return build_app(settings, service, client=client, socket_mode=socket_mode)
    except BoltError as exc:
        raise ConfigError(f"cannot start the Slack app: {str(exc).splitlines()[0]}") from exc


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn serving one preloaded WSGI app (threads in one process by default).

    WEB_CONCURRENCY sets the number of worker processes, as gunicorn reads it.
    """

    def __init__(self, application: WSGIApp, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return self.application


def gunicorn_logger(kind: str) -> type[glogging.Logger]:
    """gunicorn's logger, writing its lines (start-up, worker, access) in tykbot's format."""

    class TykbotGunicornLogger(glogging.Logger):  # type: ignore[misc]
        def setup(self, cfg: Any) -> None:
            super().setup(cfg)
            for log_ in (self.error_log, self.access_log):
                for handler in log_.handlers:
                    handler.setFormatter(logs.formatter(kind))

        def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
            if not self.cfg.accesslog:
                return
            status = int(str(getattr(resp, "status", "0")).split()[0] or 0)
            latency = round(request_time.total_seconds() * 1000, 1)
            line = f"{req.method} {req.path} {status}"
            fields = {"status": status, "latency_ms": latency}
            if environ.get("tykbot.request_id"):
                fields["request_id"] = environ["tykbot.request_id"]
            self.access_log.info(line, extra=fields)

    return TykbotGunicornLogger


def gunicorn_options(
    settings: Settings, slack: SlackApp | None = None, host: str = "0.0.0.0"
) -> dict[str, Any]:
    """The production server's settings: gthread workers that drain on SIGTERM, graceful
    restarts, gunicorn's lines in tykbot's log format, an access log only when asked."""

    def post_fork(_server: Any, _worker: Any) -> None:
        if slack is not None:
            slack.service.engine.dispose(close=False)  # never share connections across forks
            slack.jobs.start()  # threads do not survive a fork: start this worker's own

    def worker_exit(_server: Any, _worker: Any) -> None:
        # SIGTERM, after the last request was answered: finish the jobs those requests left
        # (within gunicorn's graceful timeout; any not done keep their rows).
        if slack is not None:
            slack.jobs.stop(timeout=min(settings.tykbot_job_lease_seconds, GRACEFUL_SECONDS / 2))

    return {
        "bind": f"{host}:{settings.port}",
        "worker_class": "bot.slack.worker.DrainingWorker",  # gthread that drains on SIGTERM
        "threads": settings.tykbot_threads,
        "timeout": 30,
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": 5,
        "preload_app": True,
        "accesslog": "-" if settings.tykbot_access_log else None,
        "logger_class": gunicorn_logger(settings.tykbot_log_format),
        "errorlog": "-",
        "loglevel": settings.tykbot_log_level.lower(),
        "proc_name": "tykbot",
        "post_fork": post_fork,
        "worker_exit": worker_exit,
    }


def run_http(slack: SlackApp, settings: Settings) -> None:
    """Serve /slack/events, /slack/commands, /healthz and /metrics on PORT with gunicorn."""
    log.info(
        "tykbot: HTTP mode on port %s (POST /slack/events or /slack/commands), role %s",
        settings.port,
        settings.tykbot_role,
    )
    GunicornServer(wsgi_app(slack), gunicorn_options(settings, slack)).run()


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def start_health_server(slack: SlackApp, port: int, host: str = "0.0.0.0") -> WSGIServer:
    """Serve /healthz and /metrics in a daemon thread (Socket Mode has no HTTP otherwise)."""
    server = make_server(
        host,
        port,
        wsgi_app(slack, events=False),
        server_class=_ThreadingServer,
        handler_class=_QuietHandler,
    )
    threading.Thread(target=server.serve_forever, name="tykbot-health", daemon=True).start()
    return server


def socket_mode_handler(slack: SlackApp, settings: Settings) -> Any:
    """Bolt's Socket Mode handler over the app's own client (so SLACK_API_URL is honoured);
    each envelope is logged like an HTTP request, its envelope_id the request id."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.socket_mode.request import SocketModeRequest

    class LoggedSocketModeHandler(SocketModeHandler):
        def handle(self, client: Any, req: SocketModeRequest) -> None:
            started = time.monotonic()
            payload = req.payload if isinstance(req.payload, dict) else {}
            fields = payload_fields(payload)
            bound = logs.bound(request_id=str(req.envelope_id)[:64], **fields)
            with bound, urgent():
                super().handle(client, req)
                latency = round((time.monotonic() - started) * 1000, 1)
                log.info("slack request", extra={"latency_ms": latency})

    return LoggedSocketModeHandler(
        slack.bolt, app_token=settings.slack_app_token, web_client=slack.bolt.client
    )


def run_socket_mode(slack: SlackApp, settings: Settings) -> None:
    """Connect to Slack over Socket Mode and serve health and metrics on PORT."""
    try:
        start_health_server(slack, settings.port)
    except OSError as exc:
        log.warning("tykbot: no /healthz on port %s (%s)", settings.port, exc.strerror)
    handler = socket_mode_handler(slack, settings)
    try:
        handler.connect()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack rejected SLACK_APP_TOKEN ({exc.response.get('error')}); it "
            "needs the connections:write scope"
        ) from exc
    log.info("tykbot: Socket Mode connected")
    slack.jobs.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _sig, _frame: stop.set())
    stop.wait()
    # SIGTERM: take no more envelopes (each was acknowledged only after its listener ran),
    # then finish the jobs already handed to the workers; any not done keep their rows.
    log.info("tykbot: stopping")
    handler.close()
    slack.jobs.stop(timeout=min(settings.tykbot_job_lease_seconds, GRACEFUL_SECONDS / 2))


def serve(settings: Settings) -> None:
    """Check the settings, then run the Slack app until stopped."""
    mode = check_settings(settings)
    logs.configure(settings.tykbot_log_level, settings.tykbot_log_format)
    slack = start_app(settings, socket_mode=mode == "socket")
    if mode == "socket":
        run_socket_mode(slack, settings)
    else:
        run_http(slack, settings)
