"""Alembic environment, driven only from code (symcheck.store.db.migrate passes the connection).

There is no alembic.ini: the package must migrate its database from an installed wheel, so the
configuration is built in Python and the connection arrives in ``config.attributes``.
"""

from __future__ import annotations

from alembic import context

from symcheck.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("symcheck migrations run through symcheck.store.open_store(), which passes a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables so later migrations work on both backends.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
