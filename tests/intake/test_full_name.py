"""The complainant's name on the public form: letters of any script, a little punctuation, nothing else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from complaints.forms import full_name_clean
from complaints.models import Complaint

from .conftest import NEW_URL, NEW_URL_UR, form_data


@pytest.mark.parametrize(
    "name", ["Farah Qureshi", "فرح قریشی", "M. Ali O'Brien-Khan", "محمد علی", "Zoë  Ahmed ", "Sh. Nadia Baloch"]
)
def test_names_in_any_script_with_common_punctuation_are_accepted(name):
    assert full_name_clean(name) == " ".join(name.split())


@pytest.mark.parametrize(
    "name",
    [
        "F",
        "Farah 2",
        "فرح ۲",  # Urdu digits are digits too
        "visit www.example.pk",
        "http://evil.example",
        "bit.ly",
        "<b>Farah</b>",
        "Farah; DROP",
        "a" * 61,
        "--",
    ],
)
def test_digits_links_markup_and_bad_lengths_are_refused(name):
    with pytest.raises(ValidationError):
        full_name_clean(name)


@given(st.text(max_size=80))
def test_any_input_is_either_a_clean_name_or_a_validation_error(text):
    try:
        name = full_name_clean(text)
    except ValidationError:
        return
    assert 2 <= len(name) <= 60 and not any(ch.isdigit() for ch in name) and "://" not in name


@pytest.mark.django_db
def test_the_form_shows_a_clear_translated_error_and_files_nothing(x_platform, client):
    response = client.post(NEW_URL, form_data(x_platform, full_name="Farah 0300 1234567"))
    assert response.status_code == 200 and "no digits or links" in response.content.decode()
    response = client.post(NEW_URL_UR, form_data(x_platform, full_name="http://x.example"))
    with translation.override("ur"):
        assert "ہندسے یا لنک نہیں" in response.content.decode()
    assert not Complaint.objects.exists()
