"""`symcheck serve`: the HTTP API (and the web site, when installed) with uvicorn."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import typer

from symcheck.cli.apps import app
from symcheck.errors import InputError


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InputError("--port", f"{host}:{port} is already in use") from None
            raise InputError("--host", f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _check_store(database_url: str | None) -> None:
    """A bad store URL is one line now. An existing database is opened (and migrated) once here, so the
    workers start on the current revision; a SQLite file that does not exist yet is left to be created by
    the first stored assessment (serving the site and interviews stores nothing)."""
    import sqlalchemy as sa

    from symcheck.store import DATABASE_URL_ENV, open_store, resolve_url

    try:
        url = sa.make_url(resolve_url(database_url))
    except sa.exc.ArgumentError as exc:
        raise InputError(DATABASE_URL_ENV, f"not a database URL: {exc}") from None
    db = url.database or ""
    if url.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:") \
            and not Path(db).exists():
        return
    open_store(database_url).close()


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (the interview is stateless)."),
    pack: list[str] = typer.Option(None, "--pack", help="Pack name or folder to serve (repeatable). "
                                   "Default: every valid pack found."),
    default_pack: str = typer.Option(None, help="The pack used when a request names none."),
    database_url: str = typer.Option(None, help="Store URL (default: $SYMCHECK_DATABASE_URL, else SQLite in the "
                                     "user data folder)."),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    embed_origin: list[str] = typer.Option(
        None, "--embed-origin", help="An origin whose pages may frame the embeddable checker and search "
        "(/embed/check, /embed/search), e.g. https://news.example or https://*.health.example (repeatable). "
        "Default: $SYMCHECK_EMBED_ORIGINS (space- or comma-separated), else only this site itself. Every "
        "other page keeps refusing frames. The snippet for publishers is on /publishers."),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request line. Off by default: the "
                                    "web checker carries the person's answers in its page addresses."),
    max_connections: int = typer.Option(
        256, min=1, max=100_000, help="Connections (and requests in progress) per worker; beyond them a new "
        "connection gets 503 at once, so a flood of idle or stalled clients cannot exhaust memory."),
    body_timeout: float = typer.Option(
        None, min=0.1, max=600, help="Seconds a request body may take to arrive before 408 and the connection "
        "is closed (default: $SYMCHECK_BODY_TIMEOUT_S, else 10)."),
    keep_alive: int = typer.Option(
        20, min=1, max=600, help="Seconds an idle keep-alive connection stays open. Longer than the usual "
        "client pool expiry (5 s in httpx), so the server does not close a connection just as a client reuses it."),
    trusted_host: list[str] = typer.Option(
        None, "--trusted-host", help="A Host header value to accept (repeatable; others get 400). Default: "
        "$SYMCHECK_TRUSTED_HOSTS, else any."),
) -> None:
    """Run the HTTP API: /v1 endpoints, OpenAPI at /openapi.json, docs at /docs, and the web site. Not a
    diagnosis.

    SYMCHECK_EMBED_ORIGINS: origins that may frame the embed views (see --embed-origin, /publishers)."""
    import uvicorn

    # Imported here, not at the top: every CLI start imports this module.
    from symcheck.api.app import BODY_TIMEOUT_ENV, TRUSTED_HOSTS_ENV
    from symcheck.api.process import PARENT_PID_ENV
    from symcheck.api.registry import DEFAULT_PACK_ENV, PACKS_ENV, PackRegistry
    from symcheck.store import DATABASE_URL_ENV

    # Load the packs here first so a bad pack is one clear line now, not a traceback in every worker.
    registry = PackRegistry(pack or None, default=default_pack)
    if not registry.packs:
        raise InputError("--pack", "no valid knowledge pack found to serve")
    for name, problem in registry.skipped.items():
        typer.echo(f"warning: pack {name} is not served: {problem}", err=True)
    # Workers are separate processes: they read the same settings from the environment.
    os.environ[PACKS_ENV] = os.pathsep.join(str(p.path) for p in registry.packs.values())
    if default_pack:
        os.environ[DEFAULT_PACK_ENV] = default_pack
    if database_url:
        os.environ[DATABASE_URL_ENV] = database_url
    # Checked now, so a bad origin is one line here rather than a failed start in every worker.
    from symcheck.web.embed import EMBED_ORIGINS_ENV, parse_origins

    origins = parse_origins(embed_origin or os.environ.get(EMBED_ORIGINS_ENV, ""),
                            "--embed-origin" if embed_origin else EMBED_ORIGINS_ENV)
    if embed_origin:
        os.environ[EMBED_ORIGINS_ENV] = " ".join(origins)
    if body_timeout is not None:
        os.environ[BODY_TIMEOUT_ENV] = repr(body_timeout)
    if trusted_host:
        os.environ[TRUSTED_HOSTS_ENV] = ",".join(trusted_host)
    # Workers exit when this process dies, even by SIGKILL (symcheck.api.process).
    os.environ[PARENT_PID_ENV] = str(os.getpid())
    _check_store(database_url)
    _check_port_free(host, port)
    typer.echo(f"symcheck API on http://{host}:{port} (docs at /docs), packs: {', '.join(registry.packs)}", err=True)
    uvicorn.run("symcheck.api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=access_log, proxy_headers=False, limit_concurrency=max_connections,
                timeout_keep_alive=keep_alive,
                timeout_graceful_shutdown=10)
