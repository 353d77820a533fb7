"""decisions: store the required consultations when a decision is logged

Revision ID: 5e1d7c0a4b21
Revises: c0dbbee57989
Create Date: 2026-11-28 08:20:00

Rows logged before this revision keep NULL (their hash did not cover the column); they are computed when read.
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


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('required_consultations')
