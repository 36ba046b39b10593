"""A handle shows once-prefixed, whatever the citizen typed: "@name", "@@name", or a profile link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from complaints.handles import handle_display, handle_name
from complaints.templatetags.handles import handle as handle_filter

NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", min_size=1, max_size=30)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("KashmirVoice", "@KashmirVoice"),
        ("@KashmirVoice", "@KashmirVoice"),
        ("@@KashmirVoice", "@KashmirVoice"),
        ("  @KashmirVoice  ", "@KashmirVoice"),
        ("https://x.com/KashmirVoice", "@KashmirVoice"),
        ("https://twitter.com/KashmirVoice/status/1234", "@KashmirVoice"),
        ("x.com/KashmirVoice", "@KashmirVoice"),
        ("https://www.facebook.com/farah.qureshi", "@farah.qureshi"),
        ("https://m.facebook.com/profile.php?id=100012345", "@100012345"),
        ("https://www.youtube.com/@KashmirVoice", "@KashmirVoice"),
        ("https://www.youtube.com/channel/UCabcDEF123", "@UCabcDEF123"),
        ("https://www.youtube.com/c/KashmirVoice/videos", "@KashmirVoice"),
        ("https://www.tiktok.com/@dancer.pk", "@dancer.pk"),
        ("https://www.tiktok.com/@dancer.pk/video/7301", "@dancer.pk"),
        ("https://www.instagram.com/kashmir_voice/", "@kashmir_voice"),
        # A link that names no account is shown as typed, never as "@https://…".
        ("https://x.com/", "https://x.com/"),
        ("", ""),
    ],
)
def test_a_handle_or_profile_link_shows_as_the_handle_it_names(typed, shown):
    assert handle_display(typed) == shown
    assert handle_filter(typed) == shown


@given(NAMES, st.integers(min_value=0, max_value=3))
def test_any_number_of_typed_at_signs_shows_one(name, ats):
    shown = handle_display("@" * ats + name)
    assert shown == "@" + name.lstrip("@") if name.lstrip("@") else shown == ""
    assert not shown.startswith("@@")


@given(st.text(max_size=60))
def test_display_never_doubles_the_prefix_and_is_stable(typed):
    shown = handle_display(typed)
    assert not shown.startswith("@@")
    assert not shown.startswith("@http")
    # Showing a shown handle again changes nothing: templates may get either.
    assert handle_display(shown) == shown


@given(
    NAMES.filter(lambda n: n.lstrip("@") and n.lower() not in {"c", "user", "channel", "people", "pg", "profile", "u"}),
    st.sampled_from(
        [
            "https://x.com/{}",
            "https://www.twitter.com/{}/status/99",
            "https://www.facebook.com/{}",
            "https://www.instagram.com/{}/",
            "https://www.tiktok.com/@{}",
            "https://youtube.com/@{}",
            "youtube.com/user/{}",
        ]
    ),
)
def test_a_profile_link_names_the_same_account_as_its_handle(name, link):
    assert handle_name(link.format(name)) == handle_name(name) == name.lstrip("@")
