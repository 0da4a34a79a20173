"""index complaint (status, received_at, seq) and (channel, received_at, seq)

The list is ordered by received time (then seq). A status or channel filter with that order
would otherwise pick the (status, seq) index and sort every complaint with that status in a
temporary B-tree (most of a million rows are "recorded"); with these the page streams from the
index. The date filter alone uses ix_complaint_received_seq (0001).

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_complaint_status_received", "complaint", ["status", "received_at", "seq"])
    op.create_index("ix_complaint_channel_received", "complaint", ["channel", "received_at", "seq"])


def downgrade() -> None:
    op.drop_index("ix_complaint_channel_received", table_name="complaint")
    op.drop_index("ix_complaint_status_received", table_name="complaint")
