"""indexes for the review search: urgent decisions and disputed cost lines per incident

Revision ID: 3c8d2f6e9a17
Revises: 7b3e9f2a1c60
Create Date: 2026-11-28 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c8d2f6e9a17'
down_revision = '7b3e9f2a1c60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index('ix_decisions_incident_urgent', ['incident_id', 'urgent'], unique=False)
    with op.batch_alter_table('cost_lines', schema=None) as batch_op:
        batch_op.create_index('ix_cost_lines_incident_status', ['incident_id', 'status', 'superseded_by_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('cost_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_cost_lines_incident_status')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_incident_urgent')
