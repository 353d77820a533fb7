"""review: stored integrity checks (hash-chain verifications) and the summary cache per incident

Revision ID: 7b3e9f2a1c60
Revises: 89aae39e60c7
Create Date: 2026-11-28 08:30:00

"""
from alembic import op
import sqlalchemy as sa
import lbs.types


# revision identifiers, used by Alembic.
revision = '7b3e9f2a1c60'
down_revision = '89aae39e60c7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_integrity_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', lbs.types.UTCDateTime(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_decision_number', sa.Integer(), nullable=False),
    sa.Column('checked', sa.Integer(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('first_broken', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_review_integrity_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_review_integrity_checks_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_integrity_checks'))
    )
    with op.batch_alter_table('review_integrity_checks', schema=None) as batch_op:
        batch_op.create_index('ix_review_integrity_checks_incident_checked', ['incident_id', 'checked_at'], unique=False)

    op.create_table('review_summary_cache',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('last_decision_number', sa.Integer(), nullable=False),
    sa.Column('computed_at', lbs.types.UTCDateTime(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_review_summary_cache_incident_id_incidents')),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_review_summary_cache'))
    )


def downgrade():
    op.drop_table('review_summary_cache')
    with op.batch_alter_table('review_integrity_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_review_integrity_checks_incident_checked')

    op.drop_table('review_integrity_checks')
