"""The HTTP API (FastAPI): ``create_app()``; run it with ``symcheck serve``."""

from symcheck.api.app import create_app

__all__ = ["create_app"]
