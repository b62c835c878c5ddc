"""Unifying the enforcement object list with the register (执法对象库 ↔ 信息库).

Order of evidence:

1. a valid credit code equal to an enterprise's → confidence 1.0;
2. otherwise name and address similarity (rapidfuzz) on Chinese-aware
   normalised text, against the enterprise's name and former names, with
   penalties for the known traps: a branch (分公司/分厂) against its parent,
   the same name in another district, two different valid credit codes.

``confidence >= AUTO_LINK`` with a clear margin over the runner-up links
automatically; ``>= REVIEW`` goes to the review queue; lower is ``no_match``
(still reviewable). Every link decision is audited; nothing merges silently.
The thresholds are measured on the labelled set in
``tests/fixtures/register/matching/`` (see docs/register.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process
from sqlalchemy import select

from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.register.identifiers import normalise as normalise_code
from huanjian.register.identifiers import validate_credit_code
from huanjian.register.models import EnforcementObject, Enterprise, MatchCandidate, Organisation

AUTO_LINK: Final = 0.85
AUTO_MARGIN: Final = 0.06
REVIEW: Final = 0.55
CANDIDATES: Final = 5

_PUNCT = re.compile(r"[\s\u3000·\.,，、。:：;；'\"“”‘’()（）\[\]【】<>《》\-—_/\\]+")
#: Legal-form suffixes, longest first; all mean "a company" for matching purposes.
_LEGAL_FORMS: Final = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "总公司",
    "公司",
)
_BRANCH = re.compile(r"(分公司|分厂|分部|分店|分中心|办事处)$")
_PLACE_PREFIXES: Final = ("中国", "上海市", "上海")
_DISTRICTS: Final = (
    "黄浦",
    "徐汇",
    "长宁",
    "静安",
    "普陀",
    "虹口",
    "杨浦",
    "闵行",
    "宝山",
    "嘉定",
    "浦东新",
    "浦东",
    "金山",
    "松江",
    "青浦",
    "奉贤",
    "崇明",
)


def clean(text: str | None) -> str:
    """NFKC (full-width → half-width), lower case, no spaces or punctuation."""
    if not text:
        return ""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text).lower())


@dataclass(frozen=True, slots=True)
class NameKey:
    core: str  # name without place prefix and legal form
    branch: str  # branch designation ("浦东分公司"), "" for a head office


def name_key(name: str | None) -> NameKey:
    text = clean(name)
    branch = ""
    m = _BRANCH.search(text)
    if m:
        # The branch part is what follows the parent's legal form, e.g. "X有限公司浦东分公司".
        head = text[: m.start()]
        cut = max((head.rfind(f) + len(f) for f in _LEGAL_FORMS if f in head), default=-1)
        if cut > 0:
            branch, text = text[cut:], head[:cut]
        else:
            branch, text = text[m.start() :], head
    for prefix in _PLACE_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    for form in _LEGAL_FORMS:
        if text.endswith(form):
            text = text[: -len(form)]
            break
    return NameKey(text, branch)


def address_key(address: str | None) -> str:
    text = clean(address)
    for prefix in ("中国", "上海市", "上海"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def valid_code(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return validate_credit_code(raw).value
    except ValidationError:
        return None


@dataclass(frozen=True, slots=True)
class Entry:
    """An enterprise as the matcher sees it."""

    enterprise_id: int
    credit_code: str | None
    names: tuple[NameKey, ...]  # current name first, then former names
    address: str
    district: str | None  # 6-digit district code


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    credit_code: str | None
    address: str | None
    district: str | None


@dataclass(frozen=True, slots=True)
class Scored:
    enterprise_id: int
    confidence: float
    method: str
    explanation: str


class Matcher:
    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        self.by_code = {e.credit_code: e for e in self.entries if e.credit_code}
        self._choices: list[str] = []
        self._owner: list[int] = []
        for i, e in enumerate(self.entries):
            for n in e.names:
                self._choices.append(n.core)
                self._owner.append(i)

    def score(self, probe: Probe, entry: Entry) -> Scored:
        key = name_key(probe.name)
        best_name, best_branch_ok, used = 0.0, True, entry.names[0]
        for n in entry.names:
            s = fuzz.ratio(key.core, n.core) / 100
            branch_ok = key.branch == n.branch
            if (s, branch_ok) > (best_name, best_branch_ok) or best_name == 0.0:
                best_name, best_branch_ok, used = s, branch_ok, n
        addr_probe, addr_entry = address_key(probe.address), entry.address
        address = fuzz.token_set_ratio(addr_probe, addr_entry) / 100 if addr_probe and addr_entry else None
        confidence = best_name if address is None else 0.8 * best_name + 0.2 * address
        notes = [f"name {best_name:.2f}"]
        if address is not None:
            notes.append(f"address {address:.2f}")
        if used is not entry.names[0]:
            notes.append("former name")
        if not best_branch_ok:
            confidence *= 0.5
            notes.append("branch vs head office")
        district = probe.district[:6] if probe.district else _district_in(probe.address)
        if district and entry.district and district != entry.district:
            confidence *= 0.5
            notes.append("other district")
        code = valid_code(probe.credit_code)
        if code and entry.credit_code and code != entry.credit_code:
            confidence *= 0.6
            notes.append("different credit code")
        return Scored(entry.enterprise_id, round(confidence, 4), "name_address", ", ".join(notes))

    def candidates(self, probe: Probe, limit: int = CANDIDATES) -> list[Scored]:
        code = valid_code(probe.credit_code)
        if code and code in self.by_code:
            exact = self.by_code[code]
            return [Scored(exact.enterprise_id, 1.0, "credit_code", f"credit code {code}")]
        core = name_key(probe.name).core
        hits = process.extract(core, self._choices, scorer=fuzz.ratio, limit=limit * 4, score_cutoff=40)
        seen: dict[int, Scored] = {}
        for _choice, _s, idx in hits:
            entry = self.entries[self._owner[idx]]
            if entry.enterprise_id not in seen:
                seen[entry.enterprise_id] = self.score(probe, entry)
        return sorted(seen.values(), key=lambda s: -s.confidence)[:limit]

    def decide(self, probe: Probe) -> tuple[str, list[Scored]]:
        """(status, candidates): ``linked`` | ``review`` | ``no_match``."""
        found = self.candidates(probe)
        if not found:
            return "no_match", []
        top = found[0]
        runner_up = found[1].confidence if len(found) > 1 else 0.0
        if top.method == "credit_code" or (
            top.confidence >= AUTO_LINK and top.confidence - runner_up >= AUTO_MARGIN
        ):
            return "linked", found
        return ("review" if top.confidence >= REVIEW else "no_match"), found


_DISTRICT_CODES: Final = {
    "黄浦": "310101",
    "徐汇": "310104",
    "长宁": "310105",
    "静安": "310106",
    "普陀": "310107",
    "虹口": "310109",
    "杨浦": "310110",
    "闵行": "310112",
    "宝山": "310113",
    "嘉定": "310114",
    "浦东新": "310115",
    "浦东": "310115",
    "金山": "310116",
    "松江": "310117",
    "青浦": "310118",
    "奉贤": "310120",
    "崇明": "310151",
}


def _district_in(address: str | None) -> str | None:
    text = address_key(address)
    for name in _DISTRICTS:
        if text.startswith(name):
            return _DISTRICT_CODES[name]
    return None


# --------------------------------------------------------------------------- database side


def load_matcher(tx: Tx) -> Matcher:
    rows = tx.session.execute(
        select(
            Enterprise.id,
            Organisation.credit_code,
            Organisation.name,
            Organisation.former_names,
            Organisation.address,
            Organisation.jurisdiction_code,
        ).join(Organisation, Organisation.id == Enterprise.id)
    ).all()
    entries = [
        Entry(
            r[0],
            r[1],
            tuple(name_key(n) for n in [r[2], *(r[3] or [])]),
            address_key(r[4]),
            r[5][:6] if r[5] else None,
        )
        for r in rows
    ]
    return Matcher(entries)


def _snapshot(obj: EnforcementObject) -> dict[str, object]:
    return {
        "object_code": obj.object_code,
        "status": obj.status,
        "enterprise_id": obj.enterprise_id,
        "confidence": obj.confidence,
    }


def match_pending(tx: Tx) -> dict[str, int]:
    """Match every object not yet decided; automatic links are audited one by one."""
    objs = tx.session.scalars(select(EnforcementObject).where(EnforcementObject.status == "unmatched")).all()
    counts = {"linked": 0, "review": 0, "no_match": 0}
    if not objs:
        return counts
    matcher = load_matcher(tx)
    for obj in objs:
        status, found = matcher.decide(
            Probe(obj.name, normalise_code(obj.credit_code or "") or None, obj.address, obj.jurisdiction_code)
        )
        obj.candidates.clear()
        tx.session.flush()
        for rank, s in enumerate(found, start=1):
            obj.candidates.append(
                MatchCandidate(
                    enterprise_id=s.enterprise_id,
                    rank=rank,
                    confidence=s.confidence,
                    method=s.method,
                    explanation=s.explanation[:300],
                )
            )
        obj.status = status
        obj.confidence = found[0].confidence if found else None
        obj.enterprise_id = found[0].enterprise_id if status == "linked" else None
        counts[status] += 1
        if status == "linked":
            tx.audit(
                "register.match.auto_link",
                "enforcement_object",
                obj.id,
                after={**_snapshot(obj), "method": found[0].method, "explanation": found[0].explanation},
                jurisdiction_code=obj.jurisdiction_code,
            )
    tx.session.flush()
    return counts
