"""credit: enterprise environmental-risk level (HJ 941-2018); runs per jurisdiction

* ``enterprise.environmental_risk`` — the register's risk level, an input of the class rule;
* ``credit_run.jurisdiction_code`` — null for a city-wide run, else the district (or town) it covers.

Revision ID: 0014
Revises: 0013 (the newest revision when generated; to be re-chained)
Create Date: 2026-11-29 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.add_column(sa.Column("environmental_risk", sa.String(length=10), nullable=True))
    with op.batch_alter_table("credit_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jurisdiction_code", sa.String(length=12), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_credit_run_jurisdiction_code"), ["jurisdiction_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_run_jurisdiction_code"))
        batch_op.drop_column("jurisdiction_code")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_column("environmental_risk")
