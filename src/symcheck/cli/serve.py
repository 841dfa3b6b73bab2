"""Commands registered on symcheck.cli.apps (filled in by the issue that owns them)."""
