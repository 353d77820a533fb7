"""Administration (role admin): the users (their e-mail addresses) and the mail outbox.

A small package on top of the domains it looks after (auth, notifications); no domain imports it."""
