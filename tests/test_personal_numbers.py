"""The confidentiality guard's recognisers, on synthetic numbers only.

DK: the classic test CPR 111111-1118 (passes modulus 11) and 111111-1119 (fails it, as
numbers issued since 2007 may). SE: Skatteverket's well-known test number 121212-1212 and
a samordningsnummer built from it. NO: synthetic Tenor numbers (month + 80).
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.privacy.personal_numbers import find, redact

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "country", "kind"),
    [
        ("patientens cpr er 111111-1118", "dk", "cpr"),
        ("cpr 1111111118", "dk", "cpr"),
        ("111111 1118 ringede", "dk", "cpr"),
        ("111111-1119 fejler modulus 11 men er gyldig", "dk", "cpr"),
        ("personnummer 121212-1212", "se", "personnummer"),
        ("personnummer 19121212-1212", "dk", "personnummer"),
        ("201212121212 utan bindestreck", "se", "personnummer"),
        ("samordningsnummer 121272-1235", "se", "samordningsnummer"),
        ("fnr 01819012365", "no", "fodselsnummer"),
        ("fnr 018190 12365", "no", "fodselsnummer"),
        ("d-nummer 41819012359", "no", "d_nummer"),
    ],
)
def test_recognises_synthetic_numbers(text, country, kind):
    [finding] = find(text, country, TODAY)
    assert finding.kind == kind


def test_modulus_11_raises_confidence_but_is_not_required():
    [passes] = find("tal 1111111118", "dk", TODAY)
    [fails] = find("tal 1111111119", "dk", TODAY)
    assert fails.kind == passes.kind == "cpr"
    assert passes.confidence > fails.confidence


def test_ten_digits_valid_in_both_countries_follow_the_org_country():
    assert find("121212-1212", "se", TODAY)[0].kind == "personnummer"
    assert find("121212-1212", "dk", TODAY)[0].kind == "cpr"


@pytest.mark.parametrize(
    "text",
    [
        "ring på 70 12 34 56",  # Danish phone number
        "sagsnummer 2023123456",  # month 23 is no date
        "321299-1234",  # day 32
        "fnr 01819012366",  # wrong Norwegian check digit
        "nr 19121212-1213",  # wrong Luhn with century: not Swedish, not ten digits
        "faktura 12345678901234",
        "010130-4123",  # 1 Jan 2030: not born yet
    ],
)
def test_ignores_numbers_that_are_not_personal_numbers(text):
    assert find(text, "dk", TODAY) == []


def test_redacts_every_number_with_its_label():
    text, findings = redact("cpr 111111-1118 og fnr 01819012365.", "dk", TODAY)
    assert text == "cpr [CPR-nummer] og fnr [fødselsnummer]."
    assert [f.kind for f in findings] == ["cpr", "fodselsnummer"]
