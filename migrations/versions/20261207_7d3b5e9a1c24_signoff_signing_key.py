"""sign-offs keep the fingerprint of the key that signed their pack

Revision ID: 7d3b5e9a1c24
Revises: ef8a12315985
Create Date: 2026-12-07 02:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3b5e9a1c24'
down_revision = 'ef8a12315985'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_signoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signing_key_fingerprint', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('review_signoffs', schema=None) as batch_op:
        batch_op.drop_column('signing_key_fingerprint')
