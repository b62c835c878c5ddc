"""HJ 212 Appendix A CRC, the variants seen in the field, and a batch version.

Appendix A (identical in HJ/T 212-2005 and HJ 212-2017)::

    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        repeat 8: lsb = reg & 1; reg >>= 1; if lsb: reg ^= 0xA001

This is *not* CRC-16/MODBUS: MODBUS XORs the byte into the low byte and keeps the
high byte, Appendix A throws the high byte away.  Consequences used below:

* a step only depends on the 8-bit value ``(reg >> 8) ^ byte``, so each step is one
  lookup in a 256-entry table, and only 256 different CRC values exist;
* the high byte of the table, seen as a map on 8-bit vectors, is linear over GF(2)
  and has order 8 (``M**8 == I``).  Writing the running state as the high byte,
  the final table index is ``XOR_r M**r (X_r)`` where ``X_r`` is the XOR of all
  bytes whose distance from the end is ``r mod 8`` (the initial 0xFF folds into
  the first byte).  So the CRC of a whole frame is an XOR-fold plus 8 lookups,
  which Python's big integers and NumPy both do in C.  :func:`crc_reference` is
  the literal algorithm the fast versions are tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt


def _build_table(poly: int) -> tuple[int, ...]:
    table = []
    for index in range(256):
        reg = index
        for _ in range(8):
            reg = (reg >> 1) ^ poly if reg & 1 else reg >> 1
        table.append(reg)
    return tuple(table)


#: ``TABLE[i]`` is the register after the 8 shift rounds starting from ``i``.
#: The same table serves CRC-16/MODBUS (same reflected polynomial 0xA001).
TABLE: tuple[int, ...] = _build_table(0xA001)
_HIGH = tuple(t >> 8 for t in TABLE)


def _compose(outer: Sequence[int], inner: Sequence[int]) -> tuple[int, ...]:
    return tuple(outer[inner[i]] for i in range(256))


def _powers() -> tuple[tuple[int, ...], ...]:
    powers = [tuple(range(256))]
    for _ in range(8):
        powers.append(_compose(_HIGH, powers[-1]))
    if powers[8] != powers[0]:  # pragma: no cover - a property of the polynomial, checked at import
        raise AssertionError("Appendix A high-byte map is expected to have order 8")
    return tuple(powers[:8])


#: ``_POW[r][b]`` = M**r applied to byte ``b`` (M = high byte of one table step).
_POW = _powers()


def crc_reference(data: bytes) -> int:
    """Appendix A exactly as written in the standard (slow; the reference)."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            lsb = reg & 1
            reg >>= 1
            if lsb:
                reg ^= 0xA001
    return reg


def crc_table(data: bytes) -> int:
    """Appendix A as one table lookup per byte."""
    reg = 0xFFFF
    table = TABLE
    for byte in data:
        reg = table[(reg >> 8) ^ byte]
    return reg


def hj212_crc(data: bytes) -> int:
    """Appendix A CRC of ``data`` (the data segment), by XOR-folding (fast path)."""
    n = len(data)
    if n == 0:
        return 0xFFFF
    # The initial register's high byte 0xFF acts as if XORed into the first byte.
    x = int.from_bytes(data, "big") ^ (0xFF << (8 * (n - 1)))
    width = 64
    while width < 8 * n:
        width <<= 1
    while width > 64:
        width >>= 1
        x = (x >> width) ^ (x & ((1 << width) - 1))
    pw = _POW
    index = (
        pw[0][x & 0xFF]
        ^ pw[1][(x >> 8) & 0xFF]
        ^ pw[2][(x >> 16) & 0xFF]
        ^ pw[3][(x >> 24) & 0xFF]
        ^ pw[4][(x >> 32) & 0xFF]
        ^ pw[5][(x >> 40) & 0xFF]
        ^ pw[6][(x >> 48) & 0xFF]
        ^ pw[7][x >> 56]
    )
    return TABLE[index]


def crc_modbus(data: bytes) -> int:
    """CRC-16/MODBUS (init 0xFFFF, reflected 0x8005), which some loggers send instead."""
    reg = 0xFFFF
    table = TABLE
    for byte in data:
        reg = (reg >> 8) ^ table[(reg ^ byte) & 0xFF]
    return reg


def swap16(value: int) -> int:
    return ((value & 0xFF) << 8) | (value >> 8)


#: Known wrong-but-seen CRC algorithms, tried in this order only when the
#: Appendix A value does not match, to tell an operator *what* the logger does.
VARIANTS: dict[str, Callable[[bytes, int], int]] = {
    "hj212_swapped": lambda data, expected: swap16(expected),
    "modbus": lambda data, expected: crc_modbus(data),
    "modbus_swapped": lambda data, expected: swap16(crc_modbus(data)),
}


def match_variant(data: bytes, given: int, expected: int) -> str | None:
    """Name of the first known variant whose value equals ``given``, else None."""
    for name, algorithm in VARIANTS.items():
        if algorithm(data, expected) == given:
            return name
    return None


# --- batch -----------------------------------------------------------------------------------

_TABLE_NP = np.array(TABLE, dtype=np.uint16)
_POW_NP = np.array(_POW, dtype=np.uint8)


def hj212_crc_batch(segments: Sequence[bytes]) -> npt.NDArray[np.uint16]:
    """Appendix A CRCs of many data segments at once (NumPy).

    Each segment is left-padded with zero bytes to a multiple of 8 (zeros add nothing
    to an XOR-fold), so every segment is a run of 64-bit words in one buffer;
    ``bitwise_xor.reduceat`` folds each run to one word whose byte at distance ``r``
    from the word's end is ``X_r``; eight table lookups finish the job.  Native
    little-endian words: the byte at distance ``r`` sits at bits ``8 * (7 - r)``.
    """
    count = len(segments)
    if count == 0:
        return np.zeros(0, dtype=np.uint16)
    lengths = np.fromiter((len(s) for s in segments), dtype=np.int64, count=count)
    pads = (-lengths) % 8
    pads[lengths == 0] = 8  # keep one word per segment so reduceat sees no empty run
    zeros = bytes(8)
    buffer = b"".join([zeros[:p] + s for p, s in zip(pads.tolist(), segments, strict=True)])
    words = np.frombuffer(buffer, dtype="<u8")
    word_counts = (lengths + pads) // 8
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(word_counts[:-1], out=starts[1:])
    folded = np.bitwise_xor.reduceat(words, starts).astype(np.uint64)
    # The 0xFF of the initial register sits on the first byte, at distance len-1 from the end.
    shift = ((7 - (np.maximum(lengths, 1) - 1) % 8) * 8).astype(np.uint64)
    folded ^= np.left_shift(np.uint64(0xFF), shift)
    index = np.zeros(count, dtype=np.uint8)
    for r in range(8):
        byte = ((folded >> np.uint64(8 * (7 - r))) & np.uint64(0xFF)).astype(np.intp)
        index ^= _POW_NP[r][byte]
    result = _TABLE_NP[index]
    result[lengths == 0] = 0xFFFF
    return result
