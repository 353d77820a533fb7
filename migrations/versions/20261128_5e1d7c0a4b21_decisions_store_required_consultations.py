"""decisions: store the required consultations (and how many were missed) when a decision is logged;
partial indexes for decisions with gaps and on amends_id; an incident's decisions by time

Revision ID: 5e1d7c0a4b21
Revises: c0dbbee57989
Create Date: 2026-11-28 08:20:00

Rows logged before this revision keep NULL (their hash did not cover the columns); they are computed when read.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1d7c0a4b21'
down_revision = 'c0dbbee57989'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('required_consultations', sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column('missing_count', sa.Integer(), nullable=True))
        batch_op.create_index('ix_decisions_incident_gaps', ['incident_id', 'number'], unique=False,
                              sqlite_where=sa.text('missing_count > 0'),
                              postgresql_where=sa.text('missing_count > 0'))
        batch_op.create_index('ix_decisions_incident_decided', ['incident_id', 'decided_at'], unique=False)
        batch_op.drop_index('ix_decisions_amends_id')
        batch_op.create_index('ix_decisions_amends_id', ['amends_id'], unique=False,
                              sqlite_where=sa.text('amends_id IS NOT NULL'),
                              postgresql_where=sa.text('amends_id IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index('ix_decisions_amends_id')
        batch_op.create_index('ix_decisions_amends_id', ['amends_id'], unique=False)
        batch_op.drop_index('ix_decisions_incident_gaps')
        batch_op.drop_index('ix_decisions_incident_decided')
        batch_op.drop_column('missing_count')
        batch_op.drop_column('required_consultations')
