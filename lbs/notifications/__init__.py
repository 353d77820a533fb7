"""Telling people: notifications in the application and mails through an outbox.

What happened (a consultation request, a cost line, an answer) is told to users in the application
(:mod:`~lbs.notifications.models` ``Notification``) and, when ``LBS_SMTP_URL`` is set, by mail: a row of the outbox
written in the same transaction as what caused it, delivered by ``flask lbs worker``
(:mod:`~lbs.notifications.delivery`). The package sits low (above staffs: it finds a seat's holder), so that the
decision log and the hearing can tell people without importing upwards.
"""
