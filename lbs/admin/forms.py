"""The admin pages' form: a user's e-mail address."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms.validators import Length

from lbs.forms import Form


class EmailForm(Form):
    email = EmailField(_l("E-mail address"), validators=[Length(max=200)],
                       description=_l("Notifications are mailed here. Leave empty to send none."))
