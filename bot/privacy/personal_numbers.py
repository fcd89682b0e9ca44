"""Recognise and redact personal identification numbers before anything else sees a message.

- Danish CPR (DDMMYY-SSSS): a plausible birth date by the CPR century table is enough;
  modulus 11 only raises confidence, because numbers issued since 2007 may fail it.
- Swedish personnummer (YYMMDD-NNNC, or 12 digits with century) and samordningsnummer
  (day + 60): the Luhn check digit is required.
- Norwegian fødselsnummer (DDMMYYIIIKK), D-nummer (day + 40), H-nummer (month + 40) and
  synthetic test numbers (month + 80): both mod-11 check digits are required.

Numbers are written in many ways: `010190–1234` (en dash), `01.01.90-1234`,
`01 01 90 1234`, `010190/1234`, `CPR-010190-1234`, a soft hyphen or word joiner between
the digits, `121212+1212` (a Swede over 100). Invisible characters are dropped and every
dash-like character read as `-` first (positions are mapped back to the original text),
and the patterns allow one separator between date and serial and a consistent space or
dot inside the date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["cpr", "personnummer", "samordningsnummer", "fodselsnummer", "d_nummer", "h_nummer"]
LABEL: dict[str, str] = {
    "cpr": "CPR-nummer",
    "personnummer": "personnummer",
    "samordningsnummer": "samordningsnummer",
    "fodselsnummer": "fødselsnummer",
    "d_nummer": "D-nummer",
    "h_nummer": "H-nummer",
}

_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"})
_START = r"(?<!\d)(?<!\d[-.])"  # not inside a longer number: "CPR-" before it is fine
_END = r"(?!\d)(?![-.]\d)"
# DDMMYY or YYMMDD, with spaces or dots inside kept alike; one separator before the serial
_DATE = r"(?P<a>\d{2})(?P<sep>[ .]?)(?P<b>\d{2})(?P=sep)(?P<c>\d{2})"
_GAP = r"\s*(?P<gap>[-+/_.]?)\s*"
_SE_LONG = re.compile(
    _START + r"(?P<century>1[89]|20)" + _DATE + _GAP + r"(?P<serial>\d{4})" + _END
)
_NO = re.compile(_START + _DATE + _GAP + r"(?P<serial>\d{5})" + _END)
_TEN = re.compile(_START + _DATE + _GAP + r"(?P<serial>\d{4})" + _END)
_CPR_WORD = re.compile(r"cpr|personnummer|person-?nr|pers\.?nr", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int
    confidence: float

    @property
    def label(self) -> str:
        return LABEL[self.kind]


def find(text: str, country: str = "dk", today: dt.date | None = None) -> list[Finding]:
    """Every personal number in `text`; `country` breaks the DK/SE ten-digit tie."""
    today = today or dt.date.today()
    text, origin = _normalised(text)
    found: list[Finding] = []
    taken: list[range] = []

    def free(m: re.Match) -> bool:
        return not any(m.start() < r.stop and r.start < m.end() for r in taken)

    def add(kind: Kind, m: re.Match, confidence: float) -> None:
        found.append(Finding(kind, origin[m.start()], origin[m.end() - 1] + 1, confidence))
        taken.append(range(m.start(), m.end()))

    for m in _SE_LONG.finditer(text):
        kind = _swedish(_digits(m), int(m["century"]), today)
        if kind:
            add(kind, m, 0.95)
    for m in _NO.finditer(text):
        if free(m):
            kind = _norwegian(_digits(m))
            if kind:
                add(kind, m, 0.95)
    for m in _TEN.finditer(text):
        if not free(m):
            continue
        digits = _digits(m)
        separator = m["gap"]
        swedish = _swedish(digits, None, today, over_100=separator == "+")
        danish = separator != "+" and _cpr_date(digits, today) is not None
        if swedish and (not danish or country == "se"):
            add(swedish, m, 0.9)
        elif danish:
            confidence = 0.6
            if _cpr_mod11(digits):
                confidence += 0.25
            if separator == "-" or _CPR_WORD.search(text[max(0, m.start() - 20) : m.start()]):
                confidence += 0.1
            add("cpr", m, min(confidence, 0.99))
    return sorted(found, key=lambda f: f.start)


def redact(
    text: str, country: str = "dk", today: dt.date | None = None
) -> tuple[str, list[Finding]]:
    """The text with every personal number replaced by its label, e.g. `[CPR-nummer]`."""
    findings = find(text, country, today)
    for finding in reversed(findings):
        text = f"{text[: finding.start]}[{finding.label}]{text[finding.end :]}"
    return text, findings


def _digits(m: re.Match) -> str:
    return m["a"] + m["b"] + m["c"] + m["serial"]


def _normalised(text: str) -> tuple[str, list[int]]:
    """Invisible characters out, dashes as "-"; and where each kept character stood."""
    kept = [(i, ch) for i, ch in enumerate(text) if not _INVISIBLE.match(ch)]
    return "".join(ch for _, ch in kept).translate(_DASHES), [i for i, _ in kept]


def _valid_date(year: int, month: int, day: int, today: dt.date) -> bool:
    try:
        return dt.date(year, month, day) <= today
    except ValueError:
        return False


def _cpr_date(digits: str, today: dt.date) -> dt.date | None:
    day, month, yy, d7 = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6])
    if d7 <= 3:
        century = 1900
    elif d7 in (4, 9):
        century = 2000 if yy <= 36 else 1900
    else:
        century = 2000 if yy <= 57 else 1800
    year = century + yy
    return dt.date(year, month, day) if _valid_date(year, month, day, today) else None


def _cpr_mod11(digits: str) -> bool:
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 == 0


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _swedish(
    digits: str, century: int | None, today: dt.date, over_100: bool = False
) -> Kind | None:
    """personnummer / samordningsnummer for YYMMDDNNNC, or None. With "+" instead of "-"
    the person is 100 or older."""
    if not _luhn(digits):
        return None
    yy, month, day = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    kind: Kind = "personnummer"
    if day > 60:
        day -= 60
        kind = "samordningsnummer"
    if century:
        years = [century * 100 + yy]
    elif over_100:
        years = [y for y in (1900 + yy, 1800 + yy) if y <= today.year - 100]
    else:
        years = [2000 + yy, 1900 + yy]
    return kind if any(_valid_date(y, month, day, today) for y in years) else None


def _norwegian(digits: str) -> Kind | None:
    k1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
    k2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    if sum(int(d) * w for d, w in zip(digits[:10], k1, strict=True)) % 11:
        return None
    if sum(int(d) * w for d, w in zip(digits, k2, strict=True)) % 11:
        return None
    day, month = int(digits[0:2]), int(digits[2:4])
    kind: Kind = "fodselsnummer"
    if day > 40:
        day -= 40
        kind = "d_nummer"
    if month > 80:
        month -= 80  # synthetic test persons (Tenor)
    elif month > 40:
        month -= 40
        kind = "h_nummer"
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return kind
