"""credit: the enterprise's environmental-risk level (HJ 941-2018), an input of the supervision-class rule

Revision ID: 0011
Revises: 0010 (the newest revision when generated; to be re-chained)
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("environmental_risk", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_column("environmental_risk")
