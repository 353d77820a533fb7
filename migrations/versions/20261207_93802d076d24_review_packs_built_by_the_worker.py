"""review packs built by the worker, sign-offs referring to them

Revision ID: 93802d076d24
Revises: 3c5e7a9b1d20
Create Date: 2026-12-07 04:35:36.339249

"""
from alembic import op
import sqlalchemy as sa
import lbs.types


# revision identifiers, used by Alembic.
revision = '93802d076d24'
down_revision = '3c5e7a9b1d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('review_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('chain_head', sa.String(length=64), nullable=True),
    sa.Column('state_key', sa.String(length=64), nullable=False),
    sa.Column('scope_key', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('queued', 'building', 'ready', 'failed', name='packstatus', native_enum=False, length=32), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('decisions', sa.Integer(), nullable=True),
    sa.Column('last_decision_number', sa.Integer(), nullable=True),
    sa.Column('signing_key_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', lbs.types.UTCDateTime(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lbs.types.UTCDateTime(), nullable=False),
    sa.Column('started_at', lbs.types.UTCDateTime(), nullable=True),
    sa.Column('finished_at', lbs.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_review_packs_incident_id_incidents')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_review_packs_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_packs')),
    sa.UniqueConstraint('incident_id', 'state_key', 'scope_key', name='uq_review_packs_state')
    )
    with op.batch_alter_table('review_packs', schema=None) as batch_op:
        batch_op.create_index('ix_review_packs_due', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_packs_incident_id'), ['incident_id'], unique=False)

    op.create_table('review_pack_chunks',
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['pack_id'], ['review_packs.id'], name=op.f('fk_review_pack_chunks_pack_id_review_packs')),
    sa.PrimaryKeyConstraint('pack_id', 'index', name=op.f('pk_review_pack_chunks'))
    )
    with op.batch_alter_table('review_signoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pack_id', sa.Integer(), nullable=True))
        batch_op.alter_column('pack_zip',
               existing_type=sa.LargeBinary(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_review_signoffs_pack_id_review_packs'), 'review_packs', ['pack_id'], ['id'])



def downgrade():
    with op.batch_alter_table('review_signoffs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_signoffs_pack_id_review_packs'), type_='foreignkey')
        batch_op.alter_column('pack_zip',
               existing_type=sa.LargeBinary(),
               nullable=False)
        batch_op.drop_column('pack_id')

    op.drop_table('review_pack_chunks')
    with op.batch_alter_table('review_packs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_packs_incident_id'))
        batch_op.drop_index('ix_review_packs_due')

    op.drop_table('review_packs')
