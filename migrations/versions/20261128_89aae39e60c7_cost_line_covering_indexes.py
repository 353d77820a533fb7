"""costs: covering indexes for the incident ledger and the municipality dashboard; incidents.costs_version

The ledger (per incident) and the dashboard (per bearer) sum, chart and page cost lines; these indexes hold
every column those statements read, in their group order, so neither visits the table. ``costs_version``
counts the changes to an incident's cost lines, so the ledger's chart can be cached per version.

Revision ID: 89aae39e60c7
Revises: 5e1d7c0a4b21
Create Date: 2026-11-28 07:57:00.316511

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '89aae39e60c7'
down_revision = '5e1d7c0a4b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('costs_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('cost_lines', schema=None) as batch_op:
        batch_op.create_index('ix_cost_lines_bearer_totals', ['bearer_id', 'superseded_by_id', 'incident_id', 'category', 'status', 'estimate_dkk', 'actual_dkk', 'decision_id'], unique=False)
        batch_op.create_index('ix_cost_lines_incident_totals', ['incident_id', 'superseded_by_id', 'bearer_id', 'category', 'estimate_dkk', 'actual_dkk', 'decision_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cost_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_cost_lines_incident_totals')
        batch_op.drop_index('ix_cost_lines_bearer_totals')
    # Not batch: SQLite (3.35+) drops the column in place, where batch mode would copy the incidents table
    # and trip the foreign keys pointing at it.
    op.drop_column('incidents', 'costs_version')
