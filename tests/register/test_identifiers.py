"""Identifier rules: table-driven valid/invalid cases plus property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huanjian.errors import ValidationError
from huanjian.register.identifiers import (
    CREDIT_ALPHABET,
    credit_check_char,
    normalise,
    org_check_char,
    validate_credit_code,
    validate_jurisdiction_code,
    validate_mn,
    validate_outlet_code,
    validate_permit_number,
    validate_treatment_facility_code,
)

# DOMAIN §6 examples first.
VALID_CREDIT = ["91110108551385082Q", "91130200699229617X", "91350100M000100Y43"]


def _rejects(func: object, raw: str, position: int, expected: str, text: str) -> ValidationError:
    assert callable(func)
    with pytest.raises(ValidationError) as info:
        func(raw)
    err = info.value
    assert err.details["position"] == position
    assert err.details["expected"] == expected
    assert text in err.message
    assert f"character {position}" in err.message or f"ends after character {position - 1}" in err.message
    return err


# --------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 91350100m000100y43 ", "91350100M000100Y43"),
        ("９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43"),  # full-width
        ("\u3000da001\t", "DA001"),  # ideographic space
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


# --------------------------------------------------------------------------- credit code


@pytest.mark.parametrize("code", VALID_CREDIT)
def test_credit_code_valid(code: str) -> None:
    result = validate_credit_code(code)
    assert result.value == code
    assert result.warnings == ()
    assert result.authority_code == code[2:8]
    assert result.org_code == code[8:17]
    assert result.registration_department == "9"
    assert result.entity_type == "1"


def test_credit_code_domain_invalid_message() -> None:
    # The exact message of the brief: position and expected check character.
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91350100M000100Y4A")
    assert str(info.value) == (
        "credit code 91350100M000100Y4A: character 18 is 'A', expected '3' (check character)"
    )
    assert info.value.details == {"field": "credit_code", "position": 18, "expected": "3"}


def test_credit_code_normalises_full_width_and_case() -> None:
    assert validate_credit_code(" ９１３５０１００ｍ０００１００ｙ４３").value == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("raw", "position", "expected", "text"),
    [
        ("91350100M000100Y4", 18, "18 characters", "ends after character 17"),
        ("91350100M000100Y431", 19, "end of the credit code (18 characters)", "character 19 is '1'"),
        ("913501O0M000100Y43", 7, "one of 0-9 A-H J-N P-R T U W-Y", "alphabet"),
        ("91350100M000100I43", 16, "one of 0-9 A-H J-N P-R T U W-Y", "'I'"),
        ("9135010AM000100Y43", 8, "a digit", "registering authority"),
        ("91110108551385082R", 18, "Q", "check character"),
        ("91130200699229617Y", 18, "X", "check character"),
        # Org-code check broken but the credit check character recomputed: only
        # the embedded GB 11714 check catches it.
        ("91110108551385083" + credit_check_char("91110108551385083"), 17, "2", "organisation code"),
    ],
)
def test_credit_code_invalid(raw: str, position: int, expected: str, text: str) -> None:
    _rejects(validate_credit_code, raw, position, expected, text)


def test_credit_code_empty() -> None:
    with pytest.raises(ValidationError, match="empty"):
        validate_credit_code("   ")


def test_org_code_check_can_be_a_warning() -> None:
    code = "91110108551385083" + credit_check_char("91110108551385083")
    result = validate_credit_code(code, check_org_code=False)
    assert result.value == code
    assert any("organisation code check expects '2'" in w for w in result.warnings)


def test_public_code_with_category_12() -> None:
    # 事业单位 (1 机构编制, 2 事业单位); a public code quoted in xbeginagain/generator#2.
    result = validate_credit_code("12440600MB2C07549J")
    assert (result.registration_department, result.entity_type, result.warnings) == ("1", "2", ())


def test_issued_code_failing_mod31_can_be_accepted_with_warning() -> None:
    # Reported as a really issued code whose check character is off (hutool#2020):
    # rejected by default, accepted with a warning when the caller opts in.
    code = "91350203M0001FUE2P"
    _rejects(validate_credit_code, code, 18, "J", "check character")
    result = validate_credit_code(code, check_character=False)
    assert result.value == code
    assert any("GB 32100 check expects 'J'" in w for w in result.warnings)


def test_unknown_province_prefix_warns() -> None:
    body = "91990100M000100Y4"
    result = validate_credit_code(body + credit_check_char(body))
    assert any("not a GB/T 2260 province" in w for w in result.warnings)


def test_field_name_is_passed_through() -> None:
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91350100M000100Y4A", field="统一社会信用代码")
    assert info.value.details["field"] == "统一社会信用代码"


@pytest.mark.parametrize(
    ("body", "check"),
    [("55138508", "2"), ("69922961", "7"), ("M000100Y", "4"), ("00000000", "0"), ("00000001", "9")],
)
def test_org_check_char(body: str, check: str) -> None:
    assert org_check_char(body) == check


def test_org_check_char_ten_is_x() -> None:
    # 11 - (Σ mod 11) == 10  ⇔  Σ mod 11 == 1; weight of the 8th char is 2, 6×2 = 12 ≡ 1.
    assert org_check_char("00000006") == "X"


# --------------------------------------------------------------------------- property tests

_digit = st.sampled_from("0123456789")
_char = st.sampled_from(CREDIT_ALPHABET)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    head = draw(_char) + draw(_char) + "".join(draw(st.lists(_digit, min_size=6, max_size=6)))
    org_body = "".join(draw(st.lists(_char, min_size=8, max_size=8)))
    body = head + org_body + org_check_char(org_body)
    return body + credit_check_char(body)


@given(credit_codes())
def test_generated_codes_validate(code: str) -> None:
    assert validate_credit_code(code).value == code


@given(credit_codes(), st.integers(min_value=0, max_value=17), _char)
def test_any_single_substitution_is_rejected(code: str, index: int, replacement: str) -> None:
    # Every weight is non-zero mod 31 (a prime), so changing one character's
    # value by d (0 < |d| < 31) changes the sum by w·d ≢ 0: always detected.
    if code[index] == replacement:
        return
    mutated = code[:index] + replacement + code[index + 1 :]
    with pytest.raises(ValidationError):
        validate_credit_code(mutated)


@given(credit_codes(), st.integers(min_value=0, max_value=17), st.sampled_from("IOZSV"))
def test_excluded_letters_are_rejected(code: str, index: int, letter: str) -> None:
    with pytest.raises(ValidationError):
        validate_credit_code(code[:index] + letter + code[index + 1 :])


# A permit number that starts with H9 is the trial rules' placeholder for a unit without a
# credit code (its own grammar, tested below), so generated codes with that prefix are
# not credit-code permit numbers (hypothesis found H90000000000010033).
@given(credit_codes().filter(lambda c: not c.startswith("H9")), st.integers(min_value=1, max_value=999))
def test_generated_permit_numbers_validate(code: str, sequence: int) -> None:
    result = validate_permit_number(f"{code}{sequence:03d}P")
    assert (result.credit_code, result.sequence, result.kind) == (code, sequence, "permit")


# --------------------------------------------------------------------------- permit number


@pytest.mark.parametrize(
    ("raw", "kind", "sequence", "warns"),
    [
        ("91130200699229617X001P", "permit", 1, False),  # DOMAIN §6 / HJ 608-2017 App. A
        ("91130200699229617X002P", "permit", 2, False),
        ("91110108551385082Q001W", "registration", 1, True),  # W: unconfirmed → warning
        ("91130200699229617x001p", "permit", 1, False),
    ],
)
def test_permit_number_valid(raw: str, kind: str, sequence: int, warns: bool) -> None:
    result = validate_permit_number(raw)
    assert result.value == raw.upper()
    assert (result.kind, result.sequence) == (kind, sequence)
    assert bool(result.warnings) == warns


def test_permit_number_h9_placeholder() -> None:
    result = validate_permit_number("H9310115000012345a001P")
    assert result.credit_code == "H9310115000012345A"
    assert any("H9" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("raw", "position", "expected", "text"),
    [
        ("91130200699229617X001", 22, "22 characters", "ends after"),
        ("91130200699229617X001PP", 23, "end of the permit number (22 characters)", "23"),
        ("91130200699229617Y001P", 18, "X", "check character"),
        ("91130200699229617X0A1P", 20, "a digit", "sequence"),
        ("91130200699229617X001Q", 22, "'P' or 'W'", "P permit, W registration"),
        ("H931011A000012345A001P", 8, "a digit", "issuing authority"),
        ("H9310115000012345O001P", 18, "a letter other than I and O", "H9"),
        ("H9310115000-12345A001P", 12, "a digit or letter", "organisation code"),
    ],
)
def test_permit_number_invalid(raw: str, position: int, expected: str, text: str) -> None:
    _rejects(validate_permit_number, raw, position, expected, text)


def test_permit_sequence_zero_warns() -> None:
    assert validate_permit_number("91130200699229617X000P").warnings


# --------------------------------------------------------------------------- outlets, facilities


@pytest.mark.parametrize(
    ("raw", "medium", "sequence"),
    [("DA001", "air", 1), ("DW001", "water", 1), ("da123", "air", 123), ("ＤＷ００２", "water", 2)],
)
def test_outlet_valid(raw: str, medium: str, sequence: int) -> None:
    result = validate_outlet_code(raw)
    assert (result.kind, result.medium, result.sequence, result.warnings) == ("outlet", medium, sequence, ())


@pytest.mark.parametrize(
    ("raw", "position", "expected", "text"),
    [
        ("DA01", 5, "5 characters", "ends after character 4"),
        ("DA0001", 6, "end of the outlet code (5 characters)", "'1'"),
        ("TA001", 1, "D", "character 1 is 'T'"),
        ("DN001", 2, "'A' or 'W'", "environmental medium"),
        ("DA0O1", 4, "a digit", "sequence"),
        ("DA-01", 3, "a digit", "sequence"),
    ],
)
def test_outlet_invalid(raw: str, position: int, expected: str, text: str) -> None:
    _rejects(validate_outlet_code, raw, position, expected, text)


@pytest.mark.parametrize(
    ("raw", "medium"), [("TA001", "air"), ("TW001", "water"), ("TN001", "noise"), ("TS002", "solid_waste")]
)
def test_treatment_facility_valid(raw: str, medium: str) -> None:
    result = validate_treatment_facility_code(raw)
    assert (result.kind, result.medium) == ("treatment_facility", medium)


@pytest.mark.parametrize(
    ("raw", "position", "expected"),
    [("DA001", 1, "T"), ("TX001", 2, "'A' or 'W' or 'N' or 'S'"), ("TA01", 5, "5 characters")],
)
def test_treatment_facility_invalid(raw: str, position: int, expected: str) -> None:
    _rejects(validate_treatment_facility_code, raw, position, expected, "treatment facility code")


def test_facility_sequence_zero_warns() -> None:
    assert validate_outlet_code("DA000").warnings


# --------------------------------------------------------------------------- MN


@pytest.mark.parametrize(
    ("raw", "form", "warns"),
    [
        ("010000A8900016F000169DC0", "2017", False),
        ("010000a8900016f000169dc0", "2017", True),  # lower-case hex: normalised, noted
        ("88888880000001", "2005", False),
        ("MN-3101-0001", "nonstandard", True),
        ("SH_PD_0001", "nonstandard", True),
        ("010000A8900016F000169DCZ", "nonstandard", True),  # 24 chars, not hex
        ("8888888000000", "nonstandard", True),  # 13 digits
    ],
)
def test_mn_valid(raw: str, form: str, warns: bool) -> None:
    result = validate_mn(raw)
    assert result.form == form
    assert result.value == raw.upper()
    assert bool(result.warnings) == warns
    if form == "nonstandard":
        assert any("non-standard MN" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("raw", "position"),
    [("8888;888", 5), ("MN=1", 3), ("ABC DEF", 4), ("中文MN", 1), ("A" * 33, 33)],
)
def test_mn_invalid(raw: str, position: int) -> None:
    with pytest.raises(ValidationError) as info:
        validate_mn(raw)
    assert info.value.details["position"] == position
    assert f"character {position}" in info.value.message


# --------------------------------------------------------------------------- jurisdictions


@pytest.mark.parametrize(
    ("raw", "value", "level", "parent"),
    [
        ("310000", "310000", "city", None),  # municipality: the city is the root
        ("310115", "310115", "district", "310000"),
        ("310151", "310151", "district", "310000"),
        ("320000", "320000", "province", None),
        ("320100", "320100", "city", "320000"),
        ("320102", "320102", "district", "320100"),
        ("310115004", "310115004", "town", "310115"),
        ("310115004000", "310115004", "town", "310115"),  # 12-digit NBS form
        ("441900003", "441900003", "town", "441900"),  # 东莞: town directly under a city
        ("４４１９００００３", "441900003", "town", "441900"),
    ],
)
def test_jurisdiction_valid(raw: str, value: str, level: str, parent: str | None) -> None:
    result = validate_jurisdiction_code(raw)
    assert (result.value, result.level, result.parent_code) == (value, level, parent)


def test_jurisdiction_warnings() -> None:
    assert validate_jurisdiction_code("310115004000").warnings
    assert validate_jurisdiction_code("310100").warnings  # 市辖区 grouping node
    assert not validate_jurisdiction_code("310115").warnings


@pytest.mark.parametrize(
    ("raw", "position", "expected"),
    [
        ("3101", 5, "6, 9 or 12 digits in all"),
        ("3101150", 7, "6, 9 or 12 digits in all"),
        ("3101150040", 10, "6, 9 or 12 digits in all"),
        ("3101150040001", 13, "6, 9 or 12 digits in all"),
        ("31011A", 6, "a digit"),
        ("990000", 2, "a GB/T 2260 province code (11-65, 71, 81, 82)"),
        ("310015", 4, "a city digit (a county lies in a city)"),
        ("310115000", 9, "a town sequence 001-999"),
        ("310015001", 4, "a city digit (a town lies in a city)"),
        ("310115004001", 10, "000"),  # a village code
    ],
)
def test_jurisdiction_invalid(raw: str, position: int, expected: str) -> None:
    _rejects(validate_jurisdiction_code, raw, position, expected, "jurisdiction code")
