"""{{ case.account_handle|handle }}: an account handle as people read it (complaints.handles)."""

from django import template

from complaints.handles import handle_display

register = template.Library()


@register.filter(name="handle")
def handle(value: object) -> str:
    return handle_display(str(value or ""))
