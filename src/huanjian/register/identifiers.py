"""Identifier validation for the source register (pure: no I/O, no database).

Each ``validate_*`` function normalises its input (strip, full-width → half-width
via NFKC, upper-case) and either returns a typed result (the normalised value,
parsed parts and a tuple of warnings) or raises :class:`ValidationError` whose
message names the 1-based position and what was expected there, e.g.::

    credit code 91350100M000100Y4A: character 18 is 'A', expected '3' (check character)

Positions count characters of the *normalised* value. The error's details carry
``field``, ``position`` and ``expected`` for the API and the import row report.

Rules and their sources (confidence marks as in DOMAIN.md):

- credit code: GB 32100-2015 [src] — alphabet, weights and mod-31 check; chars
  3–8 the GB/T 2260 code of the registering authority; chars 9–17 the GB 11714
  organisation code with its mod-11 check. All three valid codes in DOMAIN §6
  satisfy both checks (verified by the tests).
- permit number: HJ 608-2017 App. A [src] — credit code + 3-digit sequence + ``P``
  (``91130200699229617X001P``). Registration (排污登记) numbers ending in ``W``:
  [unconfirmed], seen on registration receipts but not read in a standard text.
  The 2016 trial coding rules put a ``H9`` placeholder in chars 1–18 for units
  without a credit code [src]; accepted with a warning.
- outlets ``DA###``/``DW###``, treatment facilities ``TA###``/``TW###`` (and
  ``TN``/``TS`` for noise and solid waste): HJ 608-2017 / 2016 trial rules [src].
- MN: HJ 212-2017 24 characters (hex per the glossary), HJ/T 212-2005 14 digits
  [std]; other forms accepted with a warning, because real loggers send them.
- jurisdictions: GB/T 2260 6-digit codes; 9-digit town codes from the NBS
  statistical division codes (12-digit ``…000`` form shortened).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal, NoReturn

from huanjian.errors import ValidationError
from huanjian.geo.divisions import MUNICIPALITIES, PROVINCES

# --------------------------------------------------------------------------- helpers


def normalise(raw: str) -> str:
    """Strip, fold full-width characters to half-width (NFKC) and upper-case."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def _fail(label: str, value: str, field: str, position: int, expected: str, why: str = "") -> NoReturn:
    if position > len(value):
        found = f"ends after character {len(value)}"
    else:
        found = f"character {position} is {value[position - 1]!r}"
    suffix = f" ({why})" if why else ""
    # The message quotes an expected literal ('3', '000'); the details carry it bare.
    quoted = expected.count("'") == 2 and expected[0] == expected[-1] == "'"
    bare = expected[1:-1] if quoted else expected
    raise ValidationError(
        f"{label} {value}: {found}, expected {expected}{suffix}",
        field=field,
        position=position,
        expected=bare,
    )


def _prepare(raw: str, label: str, field: str) -> str:
    value = normalise(raw)
    if not value:
        raise ValidationError(f"{label} is empty", field=field, position=1, expected=f"a {label}")
    return value


def _check_length(value: str, length: int, label: str, field: str) -> None:
    if len(value) < length:
        _fail(label, value, field, len(value) + 1, f"{length} characters")
    if len(value) > length:
        _fail(label, value, field, length + 1, f"end of the {label} ({length} characters)")


def _check_digits(value: str, start: int, stop: int, label: str, field: str, what: str) -> None:
    """Characters ``start``..``stop`` (1-based, inclusive) must be ASCII digits."""
    for pos in range(start, stop + 1):
        if value[pos - 1] not in "0123456789":
            _fail(label, value, field, pos, "a digit", what)


# --------------------------------------------------------------------------- credit code

#: GB 32100: 31 characters, no I O Z S V; a character's value is its index.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
#: GB 11714: digits keep their value, letters A–Z count 10–35.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALPHABET_TEXT = "one of 0-9 A-H J-N P-R T U W-Y"
#: '10' is the central level (国家市场监督管理总局 100000), the rest provinces.
_AUTHORITY_PREFIXES = frozenset(PROVINCES) | {"10"}


def credit_check_char(body: str) -> str:
    """GB 32100 check character for the first 17 characters."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def org_check_char(body: str) -> str:
    """GB 11714 check character for an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    rest = 11 - total % 11
    return "X" if rest == 10 else "0" if rest == 11 else str(rest)


@dataclass(frozen=True, slots=True)
class CreditCode:
    value: str
    warnings: tuple[str, ...]
    authority_code: str  # chars 3–8, GB/T 2260
    org_code: str  # chars 9–17, GB 11714

    @property
    def registration_department(self) -> str:
        """Char 1: 1 机构编制, 5 民政, 9 市场监管 (工商), Y other …"""
        return self.value[0]

    @property
    def entity_type(self) -> str:
        """Char 2: e.g. 1 enterprise, 2 individual business (under department 9)."""
        return self.value[1]


def _credit_checks(
    value: str, label: str, field: str, check_org_code: bool, check_character: bool = True
) -> list[str]:
    """Checks on the first 18 characters of ``value``; returns warnings."""
    for pos, char in enumerate(value[:18], start=1):
        if char not in CREDIT_ALPHABET:
            _fail(label, value, field, pos, _ALPHABET_TEXT, "credit code alphabet")
    _check_digits(value, 3, 8, label, field, "registering authority, GB/T 2260")
    warnings: list[str] = []
    expected = credit_check_char(value[:17])
    if value[17] != expected:
        if check_character:
            _fail(label, value, field, 18, repr(expected), "check character")
        warnings.append(f"character 18 is {value[17]!r}, GB 32100 check expects {expected!r}")
    if value[2:4] not in _AUTHORITY_PREFIXES:
        warnings.append(f"characters 3-4 {value[2:4]!r} are not a GB/T 2260 province code")
    org_expected = org_check_char(value[8:16])
    if value[16] != org_expected:
        if check_org_code:
            _fail(label, value, field, 17, repr(org_expected), "organisation code check character")
        warnings.append(f"character 17 is {value[16]!r}, organisation code check expects {org_expected!r}")
    return warnings


def validate_credit_code(
    raw: str, *, field: str = "credit_code", check_org_code: bool = True, check_character: bool = True
) -> CreditCode:
    """Unified social credit code (GB 32100-2015).

    ``check_org_code=False`` / ``check_character=False`` turn a failing embedded
    organisation-code check / GB 32100 check character into a warning. Why: a few
    codes were issued that fail the published check (one public example,
    91350203M0001FUE2P, is discussed in hutool issue #2020), and an importer may
    have to accept a code the registry issued. The alphabet, length and
    authority-digit rules stay strict either way.
    """
    label = "credit code"
    value = _prepare(raw, label, field)
    _check_length(value, 18, label, field)
    warnings = _credit_checks(value, label, field, check_org_code, check_character)
    return CreditCode(value, tuple(warnings), value[2:8], value[8:17])


# --------------------------------------------------------------------------- permit number

PermitKind = Literal["permit", "registration"]

#: 22nd character → (kind, confidence). Kept as data so a confirmed correction
#: is a one-line change.
PERMIT_SUFFIXES: dict[str, tuple[PermitKind, str]] = {
    "P": ("permit", "src: HJ 608-2017 App. A"),
    "W": ("registration", "unconfirmed: seen on 排污登记 receipts"),
}


@dataclass(frozen=True, slots=True)
class PermitNumber:
    value: str
    warnings: tuple[str, ...]
    credit_code: str  # chars 1–18 (or the H9 placeholder)
    sequence: int  # chars 19–21
    kind: PermitKind


def _h9_checks(value: str, label: str, field: str) -> list[str]:
    # Trial rules (2016): H9 + 6-digit authority code + 9-char org code or 0000 +
    # 5 digits + one lower-case letter (upper-cased by normalisation).
    _check_digits(value, 3, 8, label, field, "issuing authority, GB/T 2260")
    for pos in range(9, 18):
        if not value[pos - 1].isascii() or not value[pos - 1].isalnum():
            _fail(label, value, field, pos, "a digit or letter", "organisation code")
    if not ("A" <= value[17] <= "Z") or value[17] in "IO":
        _fail(label, value, field, 18, "a letter other than I and O", "H9 placeholder")
    return ["unit without a credit code (H9 placeholder)"]


def validate_permit_number(
    raw: str, *, field: str = "permit_number", check_org_code: bool = True
) -> PermitNumber:
    """Discharge permit or registration number: credit code + ``NNN`` + ``P``/``W``."""
    label = "permit number"
    value = _prepare(raw, label, field)
    _check_length(value, 22, label, field)
    if value.startswith("H9"):
        warnings = _h9_checks(value, label, field)
    else:
        warnings = _credit_checks(value, label, field, check_org_code)
    _check_digits(value, 19, 21, label, field, "sequence")
    suffix = value[21]
    if suffix not in PERMIT_SUFFIXES:
        _fail(label, value, field, 22, " or ".join(map(repr, PERMIT_SUFFIXES)), "P permit, W registration")
    kind, confidence = PERMIT_SUFFIXES[suffix]
    if confidence.startswith("unconfirmed"):
        warnings.append(f"suffix {suffix!r} read as {kind} ({confidence})")
    sequence = int(value[18:21])
    if sequence == 0:
        warnings.append("sequence 000: sequences start at 001")
    return PermitNumber(value, tuple(warnings), value[:18], sequence, kind)


# --------------------------------------------------------------------------- outlets and facilities

Medium = Literal["air", "water", "noise", "solid_waste"]
_MEDIA: dict[str, Medium] = {"A": "air", "W": "water", "N": "noise", "S": "solid_waste"}


@dataclass(frozen=True, slots=True)
class FacilityCode:
    value: str
    warnings: tuple[str, ...]
    kind: Literal["outlet", "treatment_facility"]
    medium: Medium
    sequence: int


def _facility(raw: str, field: str, label: str, lead: str, media: str) -> FacilityCode:
    value = _prepare(raw, label, field)
    _check_length(value, 5, label, field)
    if value[0] != lead:
        _fail(label, value, field, 1, repr(lead))
    if value[1] not in media:
        _fail(label, value, field, 2, " or ".join(map(repr, media)), "environmental medium")
    _check_digits(value, 3, 5, label, field, "sequence")
    sequence = int(value[2:])
    warnings = ("sequence 000: sequences start at 001",) if sequence == 0 else ()
    kind: Literal["outlet", "treatment_facility"] = "outlet" if lead == "D" else "treatment_facility"
    return FacilityCode(value, warnings, kind, _MEDIA[value[1]], sequence)


def validate_outlet_code(raw: str, *, field: str = "outlet_code") -> FacilityCode:
    """Outlet (排放口): ``DA###`` air, ``DW###`` water."""
    return _facility(raw, field, "outlet code", "D", "AW")


def validate_treatment_facility_code(raw: str, *, field: str = "treatment_facility_code") -> FacilityCode:
    """Treatment facility (治理设施): ``TA###``, ``TW###`` (``TN``/``TS`` noise, solid waste)."""
    return _facility(raw, field, "treatment facility code", "T", "AWNS")


# --------------------------------------------------------------------------- MN

MnForm = Literal["2017", "2005", "nonstandard"]
_HEX = frozenset("0123456789ABCDEF")
#: Messy MNs seen in the field use letters, digits, '-' and '_'; anything else
#: (notably ';', '=', ',', '&' and spaces) would break an HJ 212 data segment.
_MN_ALLOWED = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_")
MN_MAX_LENGTH = 32


@dataclass(frozen=True, slots=True)
class Mn:
    value: str
    warnings: tuple[str, ...]
    form: MnForm


def validate_mn(raw: str, *, field: str = "mn") -> Mn:
    """Logger MN: 24 hex characters (2017) or 14 digits (2005); other forms of
    letters, digits, ``-`` and ``_`` up to 32 characters are accepted with a warning."""
    label = "MN"
    value = _prepare(raw, label, field)
    warnings: list[str] = []
    if value != raw:
        warnings.append(f"normalised from {raw!r}")
    for pos, char in enumerate(value, start=1):
        if char not in _MN_ALLOWED:
            _fail(label, value, field, pos, "a letter, digit, '-' or '_'")
    if len(value) > MN_MAX_LENGTH:
        _fail(label, value, field, MN_MAX_LENGTH + 1, f"at most {MN_MAX_LENGTH} characters")
    if len(value) == 24 and set(value) <= _HEX:
        return Mn(value, tuple(warnings), "2017")
    if len(value) == 14 and value.isdigit():
        return Mn(value, tuple(warnings), "2005")
    warnings.append(
        f"non-standard MN ({len(value)} characters): expected 24 hex characters (HJ 212-2017) "
        "or 14 digits (HJ/T 212-2005)"
    )
    return Mn(value, tuple(warnings), "nonstandard")


# --------------------------------------------------------------------------- jurisdictions

JurisdictionLevel = Literal["province", "city", "district", "town"]


@dataclass(frozen=True, slots=True)
class JurisdictionCode:
    value: str
    warnings: tuple[str, ...]
    level: JurisdictionLevel

    @property
    def parent_code(self) -> str | None:
        """Parent in the platform's hierarchy (see :mod:`huanjian.geo.divisions`):
        a municipality's districts hang under ``XX0000``, not ``XX0100``."""
        v = self.value
        if self.level == "town":
            return v[:6]
        if self.level == "district":
            return v[:2] + "0000" if v[:2] in MUNICIPALITIES else v[:4] + "00"
        if self.level == "city":
            return None if v[2:] == "0000" else v[:2] + "0000"
        return None


def validate_jurisdiction_code(raw: str, *, field: str = "jurisdiction_code") -> JurisdictionCode:
    """GB/T 2260 code (6 digits) or NBS town code (9 digits, or 12 ending ``000``)."""
    label = "jurisdiction code"
    value = _prepare(raw, label, field)
    if len(value) not in (6, 9, 12):
        # Too short: point past the end; too long: past the longest valid prefix.
        shorter = [n for n in (6, 9, 12) if n < len(value)]
        position = shorter[-1] + 1 if shorter else len(value) + 1
        _fail(label, value, field, position, "6, 9 or 12 digits in all")
    _check_digits(value, 1, len(value), label, field, "GB/T 2260")
    if value[:2] not in PROVINCES:
        _fail(label, value, field, 2, "a GB/T 2260 province code (11-65, 71, 81, 82)")
    warnings: list[str] = []
    if len(value) == 12:
        if value[9:] != "000":
            _fail(label, value, field, 10, "'000'", "12-digit town code; village codes are not jurisdictions")
        warnings.append("12-digit town code shortened to 9 digits")
        value = value[:9]
    if len(value) == 9:
        if value[2:4] == "00":
            # A town's county part may be 00 (东莞 441900 has no districts), its city part not.
            _fail(label, value, field, 4, "a city digit (a town lies in a city)")
        if value[6:] == "000":
            _fail(label, value, field, 9, "a town sequence 001-999")
        return JurisdictionCode(value, tuple(warnings), "town")
    if value[2:] == "0000":
        level: JurisdictionLevel = "city" if value[:2] in MUNICIPALITIES else "province"
    elif value[4:] == "00":
        level = "city"
        if value[:2] in MUNICIPALITIES:
            # 310100 市辖区 is a statistical grouping; the platform's city is 310000.
            warnings.append(f"{value} is a grouping node; the municipality is {value[:2]}0000")
    else:
        if value[2:4] == "00":
            _fail(label, value, field, 4, "a city digit (a county lies in a city)")
        level = "district"
    return JurisdictionCode(value, tuple(warnings), level)
