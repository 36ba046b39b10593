"""Domain signals: how complaints tells the rest of the portal what happened without importing it.

Every signal is sent by a service *inside* its transaction, so a receiver's writes (an outbox row,
say) commit or roll back with the change. Receivers must not do network work: anything that leaves
the process is published after the commit.

Arguments, for every signal: ``sender`` is the model class; the keyword arguments are listed below.
"""

from django.dispatch import Signal

# complaint: Complaint, just written with its case.
complaint_submitted = Signal()

# complaint: Complaint; reason: str, a Complaint.RejectionReason code (never staff-written text). A
# receiver shows the citizen its label, translated into the citizen's preferred_language. The
# rejection note is not sent: it is internal until approved (complaint_rejection_note_approved).
complaint_rejected = Signal()

# complaint: Complaint; note: str, the staff-written note a supervisor (not its author) approved for
# the citizen to read. Sent once per approval.
complaint_rejection_note_approved = Signal()

# complaint: Complaint; duplicate_of: Complaint | None.
complaint_marked_duplicate = Signal()

# case: Case; old: str; new: str; actor: User | None. After the row is saved.
case_status_changed = Signal()

# case: Case, whose current step is past its due time; supervisors: list[User] to tell.
case_overdue = Signal()
