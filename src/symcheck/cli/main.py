"""Entry point of the `symcheck` command: imports every command module, then runs the app.

Any SymcheckError becomes one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import sys

from symcheck.cli import (  # noqa: F401  (imported for their command registrations)
    assess,
    bench_api,
    bench_ddxplus,
    bench_engine,
    bench_phenopackets,
    bench_scenarios,
    bench_stop_cv,
    bench_triage_cv,
    bench_vignettes,
    check,
    complaints,
    kb,
    kb_ddxplus,
    kb_page,
    parse_text,
    rare,
    serve,
)
from symcheck.cli.apps import app
from symcheck.errors import NotFound, SymcheckError


def main() -> None:
    try:
        app()
    except NotFound as exc:
        extra = ""
        if exc.what == "pack":  # say which ones exist
            from symcheck.kb.pack import available_packs

            extra = f"; packs: {', '.join(available_packs()) or 'none found'}"
        print(f"error: {exc}{extra}", file=sys.stderr)
        sys.exit(2)
    except SymcheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
