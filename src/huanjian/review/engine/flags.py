"""Data flags (HJ 212-2017 §6.6.4 表 8; 2005 adds P): encoding, validity, propagation.

Flags are kept as ``uint8`` ASCII codes (``ord('N')`` = 78); ``0`` means *no record*.
Validity and propagation read lookup tables built from the rule files, so the flag
sets are data (``valid_flags``, ``propagation_normal_flags``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from huanjian.review.engine._arrays import U8, Bool
from huanjian.review.rules.typed import ValidityRules

__all__ = ["NO_RECORD", "encode_flags", "flag_lut", "propagate", "valid_records"]

NO_RECORD = 0


def encode_flags(flags: Sequence[str | None] | Iterable[str | None], missing_as: str = "N") -> U8:
    """Flags as ASCII codes; a record without a Flag field gets ``missing_as`` (rule ``missing_flag_as``).

    Only the first letter counts (the store keeps up to 4 characters); letters are
    upper-cased. Codes are the bytes of the letters, so a 1-letter unknown flag
    keeps its identity and is simply not in any valid set.
    """
    texts = [(f or missing_as)[:1].upper() or missing_as for f in flags]
    return np.frombuffer("".join(texts).encode("ascii", "replace"), dtype=np.uint8).copy()


def flag_lut(letters: Iterable[str]) -> Bool:
    """A 256-entry table: ``lut[code]`` is True for the given letters."""
    lut = np.zeros(256, dtype=np.bool_)
    for letter in letters:
        lut[ord(letter)] = True
    return lut


def valid_records(flags: U8, values: np.ndarray, rules: ValidityRules) -> Bool:
    """Records that count: a valid flag (N, S) and a finite value."""
    mask: Bool = flag_lut(rules.valid_flags)[flags]
    mask &= np.isfinite(values)
    return mask


def propagate(flags: U8, rules: ValidityRules) -> U8:
    """Flag of each period from the flags of its records (last axis), HJ 212 App. C.

    * ``share_normal`` (flue gas): ``N`` if at least the share (75 %) of the
      records received in the period are normal, otherwise the abnormal flag (``D``);
    * ``any_abnormal`` (water): abnormal as soon as one record is; the period then
      carries the rule's abnormal flag or, if none is set, the first abnormal flag.

    Periods with no record get ``0`` (no flag).
    """
    received = flags != NO_RECORD
    normal = flag_lut(rules.propagation_normal_flags)[flags]
    n_received = received.sum(axis=-1)
    n_normal = normal.sum(axis=-1)
    out = np.full(n_received.shape, ord("N"), dtype=np.uint8)
    if rules.propagation == "share_normal":
        # Integer test of n_normal / n_received >= share, exact for shares like 0.75.
        abnormal_period = n_normal < rules.propagation_min_normal_share * n_received - 1e-9
    else:
        abnormal_period = n_normal < n_received
    if rules.propagation_abnormal_flag:
        out[abnormal_period] = ord(rules.propagation_abnormal_flag)
    else:
        first = np.argmax(received & ~normal, axis=-1)
        first_flag = np.take_along_axis(flags, first[..., None], axis=-1)[..., 0]
        out[abnormal_period] = first_flag[abnormal_period]
    out[n_received == 0] = NO_RECORD
    return out
