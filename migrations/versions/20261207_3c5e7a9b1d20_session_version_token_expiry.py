"""session version of users, expiry of API tokens

Revision ID: 3c5e7a9b1d20
Revises: 7d3b5e9a1c24
Create Date: 2026-12-07 02:20:00

A token issued before tokens expired gets the default lifetime (90 days) from when it was issued.
"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa
import lbs.types


# revision identifiers, used by Alembic.
revision = '3c5e7a9b1d20'
down_revision = '7d3b5e9a1c24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', lbs.types.UTCDateTime(), nullable=True))
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer()), sa.column('created_at', lbs.types.UTCDateTime()),
                      sa.column('expires_at', lbs.types.UTCDateTime()))
    connection = op.get_bind()
    for token_id, created_at in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        connection.execute(tokens.update().where(tokens.c.id == token_id)
                           .values(expires_at=created_at + timedelta(days=90)))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=lbs.types.UTCDateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
