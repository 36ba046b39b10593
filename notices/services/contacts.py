"""Platform contacts: who a letter goes to. Changed by supervisors only, each change on record.

A contact's address is where approved letters and their annexes go; an officer who could change it
could send an approved letter anywhere. Approved letters to a contact whose address changes go back
to draft.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from complaints.models import PlatformContact

from ..models import CorrespondenceEvent, Letter
from .letters import letters_return_to_draft_for_contact

CONTACT_FIELDS = ("platform_id", "name", "role", "email", "is_primary")


def _contact_state(contact: PlatformContact) -> dict[str, object]:
    return {name: getattr(contact, name) for name in CONTACT_FIELDS}


@transaction.atomic
def platform_contact_save(*, contact: PlatformContact, actor: User) -> list[Letter]:
    """Save a contact and record the change; returns the approved letters that went back to draft."""
    needed = "complaints.change_platformcontact" if contact.pk else "complaints.add_platformcontact"
    if not actor.has_perm(needed):
        raise PermissionDenied(_("Only a supervisor can change platform contacts."))
    old = PlatformContact.objects.select_for_update().filter(pk=contact.pk).first() if contact.pk else None
    contact.save()
    CorrespondenceEvent.objects.create(
        kind=CorrespondenceEvent.Kind.CONTACT_CHANGED,
        actor=actor,
        contact=contact,
        data={"old": _contact_state(old) if old else None, "new": _contact_state(contact)},
    )
    return letters_return_to_draft_for_contact(contact=contact, actor=actor)


@transaction.atomic
def platform_contact_delete(*, contact: PlatformContact, actor: User) -> None:
    if not actor.has_perm("complaints.delete_platformcontact"):
        raise PermissionDenied(_("Only a supervisor can delete platform contacts."))
    CorrespondenceEvent.objects.create(
        kind=CorrespondenceEvent.Kind.CONTACT_CHANGED,
        actor=actor,
        data={"old": _contact_state(contact), "new": None},
    )
    contact.delete()
