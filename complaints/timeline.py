"""The case timeline in plain words: one sentence per event, such as "Ayesha moved the case from New
to In review", built from the event's kind and data with the choices' own labels.

Each kind has its function in WORDING. Events from the notices app carry notices' codes (a letter's
type, a reply's kind, a notice's kind); complaints never imports notices, so notices registers those
choices here when it starts (labels_register), and an unregistered code reads as words, not a code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Case, CaseEvent, Complaint

_LABELS: dict[str, Mapping[str, Any]] = {}


def labels_register(name: str, choices: Iterable[tuple[str, str | Promise]]) -> None:
    """Give the timeline the labels of another app's codes ("letter_type", "reply_kind"...). Called once,
    from that app's AppConfig.ready()."""
    _LABELS[name] = dict(choices)


def label(name: str, code: Any) -> str:
    """The label of ``code`` among the choices registered as ``name``; words, never the raw code."""
    known = _LABELS.get(name, {}).get(code)
    return str(known) if known is not None else _words(code)


def _words(code: Any) -> str:
    """A code nobody gave a label, as words ("letter.sent" reads "Letter sent")."""
    words = str(code or "").replace("_", " ").replace(".", " ").strip().lower()
    return words.capitalize() if words else _("unknown")


def _choice(choices: Any, code: Any) -> str:
    return str(choices(code).label) if code in choices.values else _words(code)


def _status(code: Any) -> str:
    return _choice(Case.Status, code)


RECIPIENTS = {
    "CITIZEN": gettext_lazy("the complainant"),
    "PLATFORM_CONTACT": gettext_lazy("the platform"),
    "STAFF": gettext_lazy("the supervisors"),
}
CHANNELS = {"EMAIL": gettext_lazy("by email"), "SMS": gettext_lazy("by SMS"), "WEBHOOK": gettext_lazy("by webhook")}
ACTED = {
    "YES": gettext_lazy("the platform says it acted"),
    "NO": gettext_lazy("the platform says it did not act"),
    "PARTIAL": gettext_lazy("the platform says it acted in part"),
    "UNSPECIFIED": gettext_lazy("the platform does not say whether it acted"),
}


@dataclass(frozen=True)
class TimelineLine:
    """One row of the timeline as staff read it: ``note`` is text someone wrote, shown as written."""

    at: datetime
    who: str
    text: str
    note: str = ""


@dataclass(frozen=True)
class Said:
    """What a wording function returns: the sentence, and the free text that goes with it."""

    text: str
    note: str = ""


@dataclass(frozen=True)
class EventView:
    """An event as the wording reads it: who did it (a name, never a code) and on which case."""

    kind: str
    data: dict[str, Any]
    who: str | None  # None: the portal did it (a scheduled task, an automatic assignment)
    case_reference: str
    names: Mapping[str, str]

    @property
    def actor(self) -> str:
        return self.who or _("The portal")

    def name(self, username: Any) -> str:
        return self.names.get(str(username), str(username)) if username else _("nobody")


def _received(e: EventView) -> Said:
    count = int(e.data.get("evidence") or 0)
    if count:
        text = ngettext(
            "Complaint %(ref)s received from the citizen, with %(n)d evidence file.",
            "Complaint %(ref)s received from the citizen, with %(n)d evidence files.",
            count,
        ) % {"ref": e.data.get("reference", ""), "n": count}
    else:
        text = _("Complaint %(ref)s received from the citizen, without evidence.") % {
            "ref": e.data.get("reference", "")
        }
    return Said(text, e.data.get("review", ""))


def _accepted(e: EventView) -> Said:
    return Said(_("%(who)s accepted complaint %(ref)s.") % {"who": e.actor, "ref": e.data.get("reference", "")})


def _rejected(e: EventView) -> Said:
    text = _("%(who)s rejected complaint %(ref)s: %(reason)s.") % {
        "who": e.actor,
        "ref": e.data.get("reference", ""),
        "reason": _choice(Complaint.RejectionReason, e.data.get("reason")).rstrip("."),
    }
    return Said(text, e.data.get("note", ""))


def _duplicate(e: EventView) -> Said:
    original = e.data.get("duplicate_of")
    values = {"who": e.actor, "ref": e.data.get("reference", ""), "original": original}
    if original:
        return Said(_("%(who)s marked complaint %(ref)s as a duplicate of %(original)s.") % values)
    return Said(_("%(who)s marked complaint %(ref)s as a duplicate.") % values)


def _note_approved(e: EventView) -> Said:
    return Said(
        _("%(who)s approved the rejection note on complaint %(ref)s: the citizen can now read it.")
        % {"who": e.actor, "ref": e.data.get("reference", "")}
    )


def _opened(e: EventView) -> Said:
    if e.data.get("from"):
        return Said(
            _("%(who)s opened this case for complaint %(complaint)s, split from case %(origin)s.")
            % {"who": e.actor, "complaint": e.data.get("complaint", ""), "origin": e.data["from"]}
        )
    return Said(_("Case opened, with the status %(status)s.") % {"status": _status(e.data.get("new", "NEW"))})


def _status_changed(e: EventView) -> Said:
    values = {"who": e.actor, "old": _status(e.data.get("old")), "new": _status(e.data.get("new"))}
    outcome = e.data.get("outcome")
    if outcome:
        values["outcome"] = _choice(Case.Outcome, outcome)
        text = _("%(who)s moved the case from %(old)s to %(new)s, with the outcome %(outcome)s.") % values
    else:
        text = _("%(who)s moved the case from %(old)s to %(new)s.") % values
    note = str(e.data.get("note") or "")
    return Said(text, _("because it is overdue") if note == "overdue" else note)


def _assigned(e: EventView) -> Said:
    old, new = e.data.get("old"), e.data.get("new")
    values = {"who": e.actor, "old": e.name(old), "new": e.name(new)}
    if e.who is None:
        return Said(_("The portal assigned the case to %(new)s.") % values)
    if old is None and e.who == values["new"]:
        return Said(_("%(who)s took the case.") % values)
    if old is None:
        return Said(_("%(who)s assigned the case to %(new)s.") % values)
    return Said(_("%(who)s reassigned the case from %(old)s to %(new)s.") % values)


def _priority(e: EventView) -> Said:
    return Said(
        _("%(who)s changed the priority from %(old)s to %(new)s.")
        % {
            "who": e.actor,
            "old": _choice(Case.Priority, e.data.get("old")),
            "new": _choice(Case.Priority, e.data.get("new")),
        }
    )


def _note(e: EventView) -> Said:
    return Said(_("%(who)s added an internal note.") % {"who": e.actor}, e.data.get("text", ""))


def _merged(e: EventView) -> Said:
    values = {"who": e.actor, "source": e.data.get("source", ""), "target": e.data.get("target", "")}
    values["n"] = int(e.data.get("complaints") or 0)
    if e.case_reference == values["source"]:
        return Said(_("%(who)s merged this case into %(target)s.") % values)
    return Said(
        ngettext(
            "%(who)s merged case %(source)s into this one, with %(n)d complaint.",
            "%(who)s merged case %(source)s into this one, with %(n)d complaints.",
            values["n"],
        )
        % values
    )


def _split(e: EventView) -> Said:
    values = {"who": e.actor, "complaint": e.data.get("complaint", ""), "to": e.data.get("to", "")}
    values["origin"] = e.data.get("from", "")
    if e.case_reference == values["to"]:
        return Said(_("%(who)s split complaint %(complaint)s off from case %(origin)s into this case.") % values)
    return Said(_("%(who)s split complaint %(complaint)s off into the new case %(to)s.") % values)


def _escalated(e: EventView) -> Said:
    due = parse_datetime(str(e.data.get("due_at") or ""))
    values = {"status": _status(e.data.get("status")), "due": _when(due) if due else _("its deadline")}
    return Said(_("Escalated to the supervisors: the case was still %(status)s after %(due)s.") % values)


LETTER_ACTIONS = {
    "drafted": gettext_lazy("%(who)s drafted the %(type)s %(ref)s to the platform."),
    "approved": gettext_lazy("%(who)s approved the %(type)s %(ref)s."),
    "sent": gettext_lazy("%(who)s sent the %(type)s %(ref)s to the platform."),
    "returned to draft": gettext_lazy("The letter %(ref)s went back to draft and needs a new approval."),
}


def _letter(e: EventView) -> Said:
    values = {
        "who": e.actor,
        "ref": e.data.get("reference", ""),
        "type": label("letter_type", e.data.get("type", "letter")).lower(),
    }
    wording = LETTER_ACTIONS.get(e.data.get("action", ""))
    if wording is None:
        return Said(_("%(who)s changed the letter %(ref)s.") % values, e.data.get("reason", ""))
    return Said(str(wording) % values, e.data.get("reason", ""))


def _reply(e: EventView) -> Said:
    outcome = e.data.get("outcome")
    values = {
        "who": e.actor,
        "kind": label("reply_kind", e.data.get("kind", "")).lower(),
        "letter": e.data.get("letter", ""),
        "acted": str(ACTED.get(e.data.get("action_taken", ""), ACTED["UNSPECIFIED"])),
        "outcome": _choice(Case.Outcome, outcome) if outcome else "",
    }
    if e.data.get("timely") is False:
        values["letter"] = _("%(letter)s (late)") % {"letter": values["letter"]}
    if values["outcome"]:
        text = _("%(who)s recorded the platform's %(kind)s to %(letter)s: %(acted)s; the outcome is %(outcome)s.")
    else:
        text = _("%(who)s recorded the platform's %(kind)s to %(letter)s: %(acted)s.")
    return Said(text % values)


def _notice(e: EventView) -> Said:
    values = {
        "who": e.actor,
        "kind": label("notice_kind", e.data.get("kind", "")),
        "to": str(RECIPIENTS.get(e.data.get("recipient", ""), _("the recipient"))),
        "channel": str(CHANNELS.get(e.data.get("channel", ""), "")),
    }
    if e.data.get("action") == "retried":
        return Said(_("%(who)s queued the message “%(kind)s” again after it failed.") % values)
    if values["channel"]:
        return Said(_("%(kind)s sent to %(to)s %(channel)s.") % values)
    return Said(_("%(kind)s sent to %(to)s.") % values)


def _evidence_checked(e: EventView) -> Said:
    if e.data.get("state") == "READY":
        return Said(_("A picture sent with the complaint was checked and cleaned of its metadata; it can be opened."))
    return Said(_("A picture sent with the complaint could not be read, and was not kept."), e.data.get("reason", ""))


WORDING: dict[str, Callable[[EventView], Said]] = {
    CaseEvent.Kind.COMPLAINT_RECEIVED: _received,
    CaseEvent.Kind.COMPLAINT_ACCEPTED: _accepted,
    CaseEvent.Kind.COMPLAINT_REJECTED: _rejected,
    CaseEvent.Kind.COMPLAINT_DUPLICATE: _duplicate,
    CaseEvent.Kind.REJECTION_NOTE_APPROVED: _note_approved,
    CaseEvent.Kind.CASE_OPENED: _opened,
    CaseEvent.Kind.STATUS_CHANGED: _status_changed,
    CaseEvent.Kind.ASSIGNED: _assigned,
    CaseEvent.Kind.PRIORITY_CHANGED: _priority,
    CaseEvent.Kind.NOTE: _note,
    CaseEvent.Kind.MERGED: _merged,
    CaseEvent.Kind.SPLIT: _split,
    CaseEvent.Kind.ESCALATED: _escalated,
    CaseEvent.Kind.LETTER: _letter,
    CaseEvent.Kind.REPLY: _reply,
    CaseEvent.Kind.NOTICE: _notice,
    CaseEvent.Kind.EVIDENCE_CHECKED: _evidence_checked,
}


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def staff_name(user: User | None) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def event_sentence(event: CaseEvent, *, case_reference: str = "", names: Mapping[str, str] | None = None) -> Said:
    """The sentence for one event. ``names`` maps usernames in the event's data to people's names."""
    view = EventView(
        kind=event.kind,
        data=event.data if isinstance(event.data, dict) else {},
        who=staff_name(event.actor),
        case_reference=case_reference,
        names=names or {},
    )
    return WORDING[event.kind](view)


def case_timeline_lines(case: Case) -> list[TimelineLine]:
    """The case's timeline, oldest first, as sentences, in one query however long it is.

    Assignments name people by username in their data; they read as the people's names when the
    person appears in the timeline or holds the case, and as the username otherwise (no query per name).
    """
    events = list(case.events.select_related("actor").order_by("created_at", "id"))
    people = [event.actor for event in events if event.actor is not None] + [case.assigned_to]
    names = {user.get_username(): staff_name(user) or user.get_username() for user in people if user is not None}
    lines = []
    for event in events:
        said = event_sentence(event, case_reference=case.reference, names=names)
        who = staff_name(event.actor) or _("The portal")
        lines.append(TimelineLine(at=event.created_at, who=who, text=said.text, note=said.note))
    return lines
