#!/usr/bin/env python3
"""Writes a corpus of recorded interactions shaped like one bundled cassette, for the gate's
benchmark on a corpus it was not written for (BENCHMARKS.md, row 3 "seed-shaped").

    python3 xtask/bench/seed_corpus.py CASSETTE --count N --out DIR [--per-file 20]

Why: synth's sets cover every operation with large bodies, where the gate's fixed cost per
interaction (a replay over loopback) is small beside openapi-core's schema work. A corpus of
one small, common interaction (a device, a location's status) is the other end: the fixed
costs show. CASSETTE is a VCR JSON cassette (the seeds: conformance/cassettes/yotta/seeds/
retrieve-device.json, conformance/cassettes/zero/seeds/location-status.json); its interactions
are repeated, in order, until N are written, `--per-file` to a file. The release marker of the
cassette's directory (`.flatpeak-release`) is copied beside them, so that the gate checks them
against the same release. Nothing else is changed: the gate and the peer see N copies of real
traffic.
"""

import argparse
import json
import os
import shutil
import sys


def release_marker(cassette):
    """The `.flatpeak-release` the gate reads for `cassette`: the nearest in its directory or
    one above it, or None."""
    directory = os.path.dirname(os.path.abspath(cassette))
    while True:
        marker = os.path.join(directory, ".flatpeak-release")
        if os.path.exists(marker):
            return marker
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cassette")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--per-file", type=int, default=20)
    args = parser.parse_args()
    if args.count < 1 or args.per_file < 1:
        sys.exit("--count and --per-file must be at least 1")

    with open(args.cassette, encoding="utf-8") as f:
        cassette = json.load(f)
    interactions = cassette.get("http_interactions") or []
    if not interactions:
        sys.exit(f"{args.cassette}: no http_interactions")
    if os.path.exists(args.out):
        sys.exit(f"{args.out} exists: refusing to write over it")
    os.makedirs(args.out)

    marker = release_marker(args.cassette)
    if marker:
        shutil.copy(marker, os.path.join(args.out, ".flatpeak-release"))

    written = 0
    file_number = 0
    while written < args.count:
        take = min(args.per_file, args.count - written)
        batch = [interactions[(written + i) % len(interactions)] for i in range(take)]
        path = os.path.join(args.out, f"interactions-{file_number:05}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({**cassette, "http_interactions": batch}, f)
        written += take
        file_number += 1
    print(f"wrote {written} interactions in {file_number} files to {args.out}")


if __name__ == "__main__":
    main()
