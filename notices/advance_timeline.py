"""An advance notice's timeline in plain words, as the case timeline is (complaints/timeline.py): one
sentence per event, such as "Sana approved the objection", from the event's kind and data with the
choices' own labels. Staff read it on the notice's page; a code never reaches them as a code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from complaints.timeline import TimelineLine

from .models import AdvanceNotice, AdvanceNoticeEvent

Kind = AdvanceNoticeEvent.Kind


def _label(choices: Any, code: Any) -> str:
    if code in choices.values:
        return str(choices(code).label)
    return str(code or "").replace("_", " ").lower() or _("unknown")


def _moment(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _day(value: Any) -> str:
    day = parse_date(value) if isinstance(value, str) else None
    return formats.date_format(day, "DATE_FORMAT") if day else "—"


def _new(data: dict[str, Any]) -> dict[str, Any]:
    new = data.get("new")
    return new if isinstance(new, dict) else {}


def _received(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    new = _new(data)
    source = _label(AdvanceNotice.Source, new.get("source"))
    due = _moment(new.get("response_due_at"))
    if new.get("emergency"):
        text = _("Emergency notice received (%(source)s); our answer is due by %(due)s.")
    else:
        text = _("Notice received (%(source)s); our answer is due by %(due)s.")
    return text % {"source": source, "due": due}, ""


def _linked(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    new = _new(data)
    cases, complaints = len(new.get("cases") or []), len(new.get("complaints") or [])
    if not cases and not complaints:
        return _("No case or complaint about this account yet."), ""
    return (
        ngettext("Linked to %(n)d case", "Linked to %(n)d cases", cases) % {"n": cases}
        + " "
        + ngettext("and %(n)d complaint about the account.", "and %(n)d complaints about the account.", complaints)
        % {"n": complaints}
    ), ""


def _assigned(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    new = data.get("new")
    to = names.get(new, _("nobody")) if isinstance(new, int) else _("nobody")
    return _("%(who)s assigned the notice to %(to)s.") % {"who": who, "to": to}, ""


def _response(verb: Promise) -> Callable[[str, dict[str, Any], dict[int, str]], tuple[str, str]]:
    def wording(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
        new = _new(data)
        response = _label(AdvanceNotice.Response, new.get("response")).lower()
        return str(verb) % {"who": who, "response": response}, str(new.get("reasons") or "")

    return wording


def _submitted(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    return _("%(who)s sent the objection to a supervisor for approval.") % {"who": who}, ""


def _approved(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    return _("%(who)s approved the objection.") % {"who": who}, ""


def _warned(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    return _("The assignee and the supervisors were warned: the answer is due by %(due)s.") % {
        "due": _moment(data.get("due"))
    }, ""


def _escalated(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    return _("The deadline passed without an answer: escalated to the supervisors."), ""


def _lapsed(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    return _("The notice lapsed unanswered at %(due)s.") % {"due": _moment(data.get("due"))}, ""


def _final_action(who: str, data: dict[str, Any], names: dict[int, str]) -> tuple[str, str]:
    new = _new(data)
    action = _label(AdvanceNotice.FinalAction, new.get("action")).lower()
    text = _("%(who)s recorded the platform's final action: %(action)s on %(day)s.") % {
        "who": who,
        "action": action,
        "day": _day(new.get("date")),
    }
    return text, str(new.get("note") or "")


WORDING: dict[str, Callable[[str, dict[str, Any], dict[int, str]], tuple[str, str]]] = {
    Kind.RECEIVED: _received,
    Kind.LINKED: _linked,
    Kind.ASSIGNED: _assigned,
    Kind.RESPONSE_DRAFTED: _response(gettext_lazy("%(who)s drafted the answer: %(response)s.")),
    Kind.SUBMITTED: _submitted,
    Kind.APPROVED: _approved,
    Kind.RESPONDED: _response(gettext_lazy("The answer went to the platform: %(response)s.")),
    Kind.WARNED: _warned,
    Kind.ESCALATED: _escalated,
    Kind.LAPSED: _lapsed,
    Kind.FINAL_ACTION: _final_action,
}


def advance_notice_timeline(events: Iterable[AdvanceNoticeEvent]) -> list[TimelineLine]:
    """The events (with their actors loaded) as sentences, oldest first."""
    rows = list(events)
    assignees = {e.data.get("new") for e in rows if e.kind == Kind.ASSIGNED and isinstance(e.data.get("new"), int)}
    users = get_user_model().objects.filter(pk__in=assignees) if assignees else []
    names = {user.pk: user.get_full_name() or user.get_username() for user in users}
    lines = []
    for event in rows:
        who = (event.actor.get_full_name() or event.actor.get_username()) if event.actor else _("The portal")
        text, note = WORDING[event.kind](who, event.data or {}, names)
        at: datetime = event.created_at
        lines.append(TimelineLine(at=at, who=who, text=text, note=note))
    return lines
