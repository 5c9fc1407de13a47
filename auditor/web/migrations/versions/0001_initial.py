"""Tokens and audit history.

Revision ID: 0001
Revises:
Create Date: 2026-11-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("store_text", sa.Boolean(), nullable=False),
        sa.Column("rate_limit", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "audits",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("trust", sa.Float(), nullable=False),
        sa.Column("self_orientation", sa.Float(), nullable=False),
        sa.Column("value_add", sa.Float(), nullable=False),
        sa.Column("lemming", sa.Float(), nullable=False),
        sa.Column("clickbait", sa.Float(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
    )
    op.create_index("ix_audits_owner_created", "audits", ["owner", "created_at"])
    op.create_index("ix_audits_created_at", "audits", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_audits_created_at", table_name="audits")
    op.drop_index("ix_audits_owner_created", table_name="audits")
    op.drop_table("audits")
    op.drop_table("api_tokens")
