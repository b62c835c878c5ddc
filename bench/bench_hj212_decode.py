"""Benchmark (not a test): HJ 212 decode of a typical 2051 flue-gas minute frame.

The frame: ~750 bytes, 9 parameters (SO2, NOx, particulate, O2, velocity,
temperature, pressure, humidity, flow) each with Avg/Min/Max/Flag, CRC and number
conversion included.  Prints the median frames/s of repeated runs for the
single-frame path (``decode``), the batch path to Frames (``decode_many``) and the
batch path the gateway and replay use (``decode_batch``: clean frames as CleanFrame,
header and CRC checked, numbers validated and converted to float; no Frame built).

    .venv/bin/python bench/bench_hj212_decode.py [--frames 20000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

from huanjian.hj212 import decode, decode_batch, decode_many
from huanjian.hj212.samples import typical_2051


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    frames = [typical_2051(i) for i in range(args.frames)]
    print(f"frame size: {len(frames[0])} bytes; {args.frames} frames; median of {args.repeat} runs")
    assert all(decode(f).ok for f in frames[:100])

    single = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for frame in frames:
            decode(frame)
        single.append(args.frames / (time.perf_counter() - start))
    batch = []
    size = args.batch_size
    for _ in range(args.repeat):
        start = time.perf_counter()
        for at in range(0, len(frames), size):
            decode_many(frames[at : at + size])
        batch.append(args.frames / (time.perf_counter() - start))
    clean = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for at in range(0, len(frames), size):
            decode_batch(frames[at : at + size])
        clean.append(args.frames / (time.perf_counter() - start))
    print(f"single-frame decode: {statistics.median(single):,.0f} frames/s")
    print(
        f"batch decode to Frames, decode_many (batches of {size}): {statistics.median(batch):,.0f} frames/s"
    )
    print(
        f"batch decode as the gateway uses it, decode_batch (batches of {size}): "
        f"{statistics.median(clean):,.0f} frames/s"
    )


if __name__ == "__main__":
    main()
