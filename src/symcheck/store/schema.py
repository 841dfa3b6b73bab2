"""Table definitions. The migrations in ``migrations/versions`` create exactly these; a test checks that
the two agree, so a change here without a migration fails the suite."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

# JSONB on PostgreSQL (indexable, validated on write); JSON text on SQLite.
JsonPayload = sa.JSON().with_variant(JSONB(), "postgresql")

assessments = sa.Table(
    "assessments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("pack_id", sa.String(120), nullable=False),
    sa.Column("pack_version", sa.String(60), nullable=False),
    sa.Column("engine_version", sa.String(60), nullable=False),
    # Answers, demographics (age, sex, pregnancy) and the result. Never names or contact details: the
    # API builds it from a request model that has no field for them.
    sa.Column("payload", JsonPayload, nullable=False),
    # The layout of payload (symcheck.store.documents reads every format ever written).
    sa.Column("format", sa.Integer(), nullable=False, server_default="1"),
    # SHA-256 of the assessment's own secret, handed out once at creation; NULL for rows from before
    # secrets (only the API key reads those).
    sa.Column("secret_sha256", sa.String(64), nullable=True),
    sa.Index("ix_assessments_created_at", "created_at"),
)
