"""complaint.village: the desa/kelurahan (Kemendagri code, e.g. 14.03.02.2001), optional

The intake form offers the villages of the chosen district (resources/regions/riau.json lists
them down to desa/kelurahan); complaints recorded before have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaint", sa.Column("village", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint") as batch:
        batch.drop_column("village")
