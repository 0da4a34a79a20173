"""sync: the outbox reshaped into protocol items, sync_batch, sync_state, the complaint's
provincial id and status time; "queued"/"submitted" retired as case statuses

The upload state (waiting, sent, rejected, conflict) is kept in the outbox, apart from the case
status the province sets (docs/sync-protocol.md §4, §9). Every existing outbox row becomes a
record item (revision 0) still waiting, with its own item id; a complaint whose status said
"queued" or "submitted" is "recorded" again (its outbox row says where its upload stands).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provincial_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("status_changed_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE complaint SET status = 'recorded' WHERE status IN ('queued', 'submitted')")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("item_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("fields", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("state", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("batch_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("result", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("provincial_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("errors", sa.Text(), nullable=True))
    op.execute("UPDATE outbox SET kind = 'record', revision = 0, state = 'waiting', attempts = 0")
    bind = op.get_bind()
    seqs = [row[0] for row in bind.execute(sa.text("SELECT seq FROM outbox ORDER BY seq"))]
    update = sa.text("UPDATE outbox SET item_id = :item_id WHERE seq = :seq")
    for start in range(0, len(seqs), CHUNK):
        bind.execute(
            update, [{"item_id": str(uuid.uuid4()), "seq": s} for s in seqs[start : start + CHUNK]]
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=32), type_=sa.String(length=16)
        )
        batch_op.alter_column("item_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("revision", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("state", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_item_id"), ["item_id"])
        batch_op.create_index(batch_op.f("ix_outbox_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index("ix_outbox_state_seq", ["state", "seq"], unique=False)

    op.create_table(
        "sync_batch",
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("conflict", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_sync_batch")),
    )
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sync_state")),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_table("sync_batch")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_state_seq")
        batch_op.drop_index(batch_op.f("ix_outbox_batch_id"))
        batch_op.drop_constraint(batch_op.f("uq_outbox_item_id"), type_="unique")
        for name in (
            "errors",
            "provincial_id",
            "result",
            "batch_id",
            "last_error",
            "next_attempt_at",
            "state",
            "fields",
            "revision",
            "item_id",
        ):
            batch_op.drop_column(name)
        batch_op.alter_column(
            "kind", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )
    op.execute("UPDATE outbox SET kind = 'upload'")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("status_changed_at")
        batch_op.drop_column("provincial_id")
