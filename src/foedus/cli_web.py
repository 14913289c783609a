"""`foedus serve`: the HTTP API and the web page (FastAPI + uvicorn, imported only here)."""

from __future__ import annotations

import os
from typing import Optional

import typer

from .errors import FoedusError


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (default: loopback only)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(1, "--workers", help="Worker processes (each holds the knowledge base in memory)."),
    token: Optional[str] = typer.Option(None, "--token", envvar="FOEDUS_TOKEN", show_envvar=True,
                                        help="Enable the write endpoints for requests bearing this token."),  # fmt: skip
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level (info logs each request)."),
) -> None:
    """Serve the web page and the HTTP API (read-only unless a token is set)."""
    try:
        import uvicorn

        from . import api
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise FoedusError(f"`foedus serve` needs fastapi and uvicorn ({exc}); pip install 'foedus[web]'") from None
    if not 1 <= port <= 65535:
        raise FoedusError(f"--port must be between 1 and 65535, not {port}")
    if workers < 1:
        raise FoedusError("--workers must be at least 1")
    settings = ctx.obj
    kb = settings.kb()  # builds the store first if needed, with progress on stderr
    typer.echo(f"foedus: serving {kb.db_path} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    if workers == 1:
        app = api.create_app(kb, data=settings.data, token=token, curated=settings.curated)
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return
    # Several processes: each worker opens the (now built) store itself.
    os.environ["FOEDUS_DB"] = str(kb.db_path)
    os.environ["FOEDUS_DATA"] = str(settings.data)
    if settings.curated:
        os.environ["FOEDUS_CURATED"] = str(settings.curated)
    if token:
        os.environ["FOEDUS_TOKEN"] = token
    uvicorn.run("foedus.api:app_from_env", factory=True, host=host, port=port, workers=workers, log_level=log_level)
