"""Demo data for a first look: platforms, one member of staff per role, a few dozen complaints.

Idempotent: platforms and staff are updated in place, and complaints are only created on a database
that has none. It prints every demo password and TOTP enrolment so a person can sign in.
Works on the embedded SQLite default and on PostgreSQL: everything goes through the services.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.handles import handle_normalize
from complaints.models import Case, Complaint, Platform, PlatformContact, Province, Role, StaffProfile
from complaints.services import (
    ComplaintData,
    case_transition,
    complaint_accept,
    complaint_reject,
    complaint_submit,
    staff_totp_enrol,
)

# slug, name, profile hosts, response hours, (contact name, role, email)
PLATFORMS = [
    ("x", "X (Twitter)", "x.com twitter.com", 48, ("X Government Relations", "Trust and Safety", "gov@x.example")),
    (
        "facebook",
        "Facebook",
        "facebook.com fb.com",
        72,
        ("Meta Pakistan", "Grievance officer in Pakistan", "pk@meta.example"),
    ),
    (
        "instagram",
        "Instagram",
        "instagram.com",
        72,
        ("Meta Pakistan", "Grievance officer in Pakistan", "pk@meta.example"),
    ),
    ("youtube", "YouTube", "youtube.com", 72, ("Google Legal Removals", "Legal Removals", "removals@google.example")),
    ("tiktok", "TikTok", "tiktok.com", 48, ("TikTok Pakistan", "Trust and Safety", "pk-safety@tiktok.example")),
]

# username, first name, role, platform team, password
STAFF = [
    ("ayesha", "Ayesha", Role.CASEWORKER, ["x"], "ayesha-demo-2026"),
    ("bilal", "Bilal", Role.CASEWORKER, ["facebook", "instagram"], "bilal-demo-2026"),
    ("sana", "Sana", Role.SUPERVISOR, [], "sana-demo-2026"),
    ("zara", "Zara", Role.CORRESPONDENCE_OFFICER, [], "zara-demo-2026"),
    ("omar", "Omar", Role.ANALYST, [], "omar-demo-2026"),
]
ADMIN = ("admin", "admin-demo-2026")

NAMES = [
    "Farah Qureshi",
    "Usman Tariq",
    "Hina Baloch",
    "Imran Shah",
    "Maryam Khan",
    "Ali Raza",
    "Sadia Javed",
    "Kamran Akmal",
    "Nida Yasir",
    "Zubair Ahmed",
    "Rabia Anwar",
    "Faisal Mehmood",
]
CITIES = {
    "PK-PB": "Lahore",
    "PK-SD": "Karachi",
    "PK-KP": "Peshawar",
    "PK-BA": "Quetta",
    "PK-IS": "Islamabad",
    "PK-GB": "Gilgit",
    "PK-JK": "Muzaffarabad",
}
# The first five digits of a CNIC: Lahore, Karachi, Peshawar, Quetta, Islamabad.
DISTRICTS = ["35202", "42101", "17301", "54400", "61101"]
HANDLES = [
    "KashmirVoice",
    "SrinagarDiary",
    "pak_journalist",
    "LoCReporter",
    "ValleyStories",
    "kashmir.today",
    "AzadiPoetry",
    "news_from_mzd",
    "PTIofficial_fan",
    "quetta_updates",
    "karachi_photog",
    "HunzaHikes",
]
NARRATIVES = [
    "My account was suspended a day after I posted about Kashmir Solidarity Day.",
    "The platform removed my video report from the Line of Control without giving a reason.",
    "My page was restricted after I shared a news article about curfew in the valley.",
    "My account was locked and the appeal was rejected within minutes by an automated system.",
]


def demo_data_refuse_unless_allowed(command: str) -> None:
    """Demo staff have printed passwords and demo complainants are invented: never in production."""
    if not settings.DEMO_DATA_ALLOWED:
        raise CommandError(
            f"{command} writes demo staff with known passwords and invented complaints, and these settings "
            "do not allow demo data (DEMO_DATA_ALLOWED is off, as in production). Nothing was written."
        )


def platforms_seed() -> dict[str, Platform]:
    platforms = {}
    for slug, name, hosts, hours, (contact, role, email) in PLATFORMS:
        platform, _ = Platform.objects.update_or_create(
            slug=slug, defaults={"name": name, "profile_hosts": hosts, "response_hours": hours}
        )
        PlatformContact.objects.update_or_create(
            platform=platform, email=email, defaults={"name": contact, "role": role, "is_primary": True}
        )
        platforms[slug] = platform
    return platforms


class Command(BaseCommand):
    help = "Load demo platforms, staff (one per role, with TOTP devices) and a few dozen complaints."

    def handle(self, *args: Any, **options: Any) -> None:
        demo_data_refuse_unless_allowed("seed_demo")
        with transaction.atomic():
            platforms = platforms_seed()
            staff = self._staff(platforms)
        if Complaint.objects.exists():
            self.stdout.write("Complaints exist already; none added.")
        else:
            self._complaints(platforms, staff)
        self._print_enrolments(staff)

    def _staff(self, platforms: dict[str, Platform]) -> dict[str, tuple[User, str]]:
        staff: dict[str, tuple[User, str]] = {}
        for username, first_name, role, team, password in STAFF:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={"first_name": first_name, "email": f"{username}@pta.example", "is_staff": True},
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            user.groups.set([Group.objects.get(name=role)])
            profile, _ = StaffProfile.objects.get_or_create(user=user)
            profile.platforms.set([platforms[slug] for slug in team])
            staff[username] = (user, password)
        username, password = ADMIN
        admin, _ = User.objects.update_or_create(
            username=username, defaults={"email": "admin@pta.example", "is_staff": True, "is_superuser": True}
        )
        admin.set_password(password)
        admin.save(update_fields=["password"])
        staff[username] = (admin, password)
        for user, _password in staff.values():
            staff_totp_enrol(user=user)
        return staff

    def _complaints(self, platforms: dict[str, Platform], staff: dict[str, tuple[User, str]]) -> None:
        rng = random.Random(2019)  # the same demo every time
        sana = staff["sana"][0]
        slugs = list(platforms)
        for i in range(36):
            # The first 24 complaints are about 12 accounts (two each, so they share a case).
            platform = platforms[slugs[i % len(HANDLES) % len(slugs)]]
            handle = HANDLES[i % len(HANDLES)] + ("" if i < 24 else "_pk")
            province = rng.choice(Province.values)
            complaint = complaint_submit(
                data=ComplaintData(
                    full_name=rng.choice(NAMES),
                    cnic=f"{rng.choice(DISTRICTS)}{rng.randrange(10**7):07d}{rng.randrange(10)}",
                    mobile=f"+923{rng.randrange(10**9):09d}",
                    email=f"citizen{i}@example.pk" if i % 3 else "",
                    province=province,
                    city=CITIES[province],
                    preferred_language="ur" if i % 2 else "en",
                    platform=platform,
                    account_handle=handle,
                    account_handle_normalized=handle_normalize(platform, handle),
                    account_url="",
                    action_type=rng.choice(Complaint.ActionType.values),
                    action_date=timezone.localdate() - timedelta(days=rng.randrange(2, 60)),
                    platform_notice_text="Your account violated our rules.",
                    appealed_to_platform=bool(i % 2),
                    platform_appeal_ref=f"APL-{rng.randrange(10**6)}" if i % 2 else "",
                    category=rng.choice(Complaint.Category.values),
                    narrative=NARRATIVES[i % len(NARRATIVES)],
                    consent_share_with_platform=i % 4 != 0,
                ),
                evidence=[],
            )
            self._advance(complaint, step=i % 8, supervisor=sana)
        # Some cases were opened weeks ago, so the demo has overdue work and a history to look at.
        for case in Case.objects.exclude(status=Case.Status.CLOSED).order_by("pk")[::3]:
            back = timedelta(days=rng.randrange(5, 20))
            Case.objects.filter(pk=case.pk).update(
                opened_at=case.opened_at - back, due_at=(case.due_at or timezone.now()) - back
            )
        self.stdout.write(f"Added {Complaint.objects.count()} complaints in {Case.objects.count()} cases.")

    def _advance(self, complaint: Complaint, *, step: int, supervisor: User) -> None:
        case = Case.objects.select_related("platform", "assigned_to").get(pk=complaint.case_id)
        actor = case.assigned_to or supervisor
        if step == 7:
            complaint_reject(complaint=complaint, reason=Complaint.RejectionReason.PLATFORM_NOT_COVERED, actor=actor)
            return
        if step == 0 or case.status != Case.Status.NEW:
            return
        complaint_accept(complaint=complaint, actor=actor)
        path = [Case.Status.IN_REVIEW, Case.Status.REFERRED_TO_PLATFORM, Case.Status.AWAITING_PLATFORM]
        path += [Case.Status.PLATFORM_RESPONDED, Case.Status.CLOSED]
        # Steps 1-5 walk that far along the path; step 6 waits on the platform and is escalated.
        for to in path[: 3 if step == 6 else step]:
            outcome = Case.Outcome.REINSTATED if to == Case.Status.CLOSED else ""
            due = timezone.now() + timedelta(hours=case.platform.response_hours)
            case = case_transition(case=case, to=to, actor=actor, outcome=outcome, response_due_at=due)
        if step == 6:
            case_transition(case=case, to=Case.Status.ESCALATED, actor=actor)

    def _print_enrolments(self, staff: dict[str, tuple[User, str]]) -> None:
        self.stdout.write("\nDemo staff (sign in at /admin/ with the password and the 6-digit code):")
        for username, (user, password) in staff.items():
            device = TOTPDevice.objects.get(user=user, name="authenticator")
            code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
            roles = ", ".join(user.groups.values_list("name", flat=True)) or "superuser"
            self.stdout.write(f"  {username:<7} {roles:<24} password {password:<17} code now {code}")
            self.stdout.write(f"          {device.config_url}")
