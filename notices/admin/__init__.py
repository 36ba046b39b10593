"""The correspondence side of the admin: the outbox, letters, replies, templates, contacts, advance
notices and platforms' webhooks.

Thin: writes go through notices.services, and each custom view re-checks the permission it needs.
Importing the package registers every model admin of the app.
"""

from . import advance, cases, letters, outbox, replies, templates, webhooks  # noqa: F401 - each registers its model admins
