"""The admin pages' form: a user's e-mail address."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import Length


class EmailForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[Length(max=200)],
                       description=_l("Notifications are mailed here. Leave empty to send none."))
