"""Letter wording: templates that staff edit, rendered over plain values only, and every edit on record.

Django's template language resolves attributes, dictionary keys and zero-argument methods on whatever
it is given. Over a model instance, ``{{ case.complaints.all }}`` or ``{{ letter.created_by.password }}``
reads the database; no filtering of the template text can close that. So a template that staff can
edit never sees a model, a manager or a queryset: selectors.letter_wording_context builds dicts and
strings holding exactly what a letter may say, and this engine has no template libraries, no loaders
and refuses the tags that reach outside the context.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Template
from django.template.defaulttags import CsrfTokenNode, DebugNode, LoadNode
from django.template.loader_tags import ExtendsNode, IncludeNode
from django.utils.translation import gettext as _

from ..models import CorrespondenceEvent, LetterTemplate

# No libraries to {% load %}, no directories or app templates to {% include %} or {% extends %}.
SANDBOX = Engine(dirs=[], app_dirs=False, libraries={}, loaders=[], debug=False, string_if_invalid="")
# {% debug %} prints the whole context and the server's loaded modules.
REFUSED_NODES = (DebugNode, LoadNode, IncludeNode, ExtendsNode, CsrfTokenNode)


def wording_compile(text: str) -> Template:
    """The template, or TemplateSyntaxError for text that does not parse or uses a refused tag."""
    template = SANDBOX.from_string(text)
    for node_type in REFUSED_NODES:
        if template.nodelist.get_nodes_by_type(node_type):
            raise TemplateSyntaxError(_("This tag cannot be used in a letter template."))
    return template


def wording_render(text: str, context: dict[str, Any]) -> str:
    """Render staff-edited text over a plain context (dicts, lists, strings and numbers only)."""
    _plain_check(context)
    return wording_compile(text).render(Context(context, autoescape=False))


PLAIN = (str, int, float, bool, type(None))


def _plain_check(value: Any) -> None:
    # The guarantee the module docstring gives rests on this: a model slipped into the context by a
    # later change fails loudly here rather than quietly exposing the database to the template.
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("letter wording context keys must be strings")
            _plain_check(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _plain_check(item)
    elif not isinstance(value, PLAIN):
        raise TypeError(f"letter wording context may hold only plain values, not {type(value).__name__}")


def _template_state(template: LetterTemplate) -> dict[str, str]:
    return {
        "letter_type": template.letter_type,
        "language": template.language,
        "subject": template.subject,
        "body": template.body,
    }


@transaction.atomic
def letter_template_save(*, template: LetterTemplate, actor: User) -> LetterTemplate:
    """Save a supervisor's edit of a letter template, with the old and new wording on record."""
    if not actor.has_perm("notices.change_lettertemplate" if template.pk else "notices.add_lettertemplate"):
        raise PermissionDenied(_("Only a supervisor can change letter templates."))
    old = LetterTemplate.objects.select_for_update().filter(pk=template.pk).first() if template.pk else None
    wording_compile(template.subject)
    wording_compile(template.body)
    template.save()
    CorrespondenceEvent.objects.create(
        kind=CorrespondenceEvent.Kind.TEMPLATE_CHANGED,
        actor=actor,
        template=template,
        data={"old": _template_state(old) if old else None, "new": _template_state(template)},
    )
    return template


@transaction.atomic
def letter_template_delete(*, template: LetterTemplate, actor: User) -> None:
    if not actor.has_perm("notices.delete_lettertemplate"):
        raise PermissionDenied(_("Only a supervisor can delete letter templates."))
    CorrespondenceEvent.objects.create(
        kind=CorrespondenceEvent.Kind.TEMPLATE_CHANGED,
        actor=actor,
        data={"old": _template_state(template), "new": None},
    )
    template.delete()
