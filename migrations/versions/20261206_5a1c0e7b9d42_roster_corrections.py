"""roster corrections: the reason for a roster change that reaches back over a logged decision

Revision ID: 5a1c0e7b9d42
Revises: 1e99271dce73
Create Date: 2026-12-06 20:50:00.000000

"""
from alembic import op
import sqlalchemy as sa
import lbs.types


# revision identifiers, used by Alembic.
revision = '5a1c0e7b9d42'
down_revision = '1e99271dce73'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('period_from', lbs.types.UTCDateTime(), nullable=False),
    sa.Column('period_to', lbs.types.UTCDateTime(), nullable=False),
    sa.Column('at', lbs.types.UTCDateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_roster_corrections_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_roster_corrections_by_id_users')),
    sa.ForeignKeyConstraint(['staff_id'], ['staffs.id'], name=op.f('fk_roster_corrections_staff_id_staffs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_corrections'))
    )
    with op.batch_alter_table('roster_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_corrections_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_corrections_staff_id'), ['staff_id'], unique=False)


def downgrade():
    with op.batch_alter_table('roster_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_corrections_staff_id'))
        batch_op.drop_index(batch_op.f('ix_roster_corrections_assignment_id'))
    op.drop_table('roster_corrections')
