#!/usr/bin/env bash
# Every comparison of BENCHMARKS.md in one run; prints the table at the end.
#
#   bash xtask/bench.sh            # everything, each row repeated (about 25 minutes on 2 cores)
#   bash xtask/bench.sh --quick    # one run per row, fewer gate sizes (about 8 minutes)
#
# Rows: (1) decoding, criterion; (2) a retrieve_device call against hand-written reqwest,
# criterion and a paired measurement; (3) the gate over synthetic sets of 1,000 to 10,000
# recorded interactions (every operation of the spec, requests included), as the release
# binary and through the documented command, `cargo conformance` (and `cargo xtask conformance`,
# the same gate through xtask); (4) openapi-core on
# the same sets and on 10,000 copies of each seed cassette, each run paired with a run of both; (5) `cargo xtask generate` wall time; (6) build time of crates/flatpeak, cold
# and after a one-field spec change; (7) `cargo test --workspace`, built.
#
# Environment: RUNS (repeats of each quick row, default 5), BUILD_RUNS (repeats of each build
# row, default 3), SIZES (gate set sizes, default "1000 2000 5000 10000"), PEER_RUNS (default 5).
# Raw results go to target/bench/raw/, the table to target/bench/results.md. Nothing outside
# target/ is written: builds that change the spec run in a copy of the tree, and the tests
# (row 7) build in the tree's own target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# The default release's spec (openapi/releases.toml): what synth writes sets for and the peer reads.
DEFAULT_SPEC="openapi/$(sed -n 's/^default = "\(.*\)"/\1/p' openapi/releases.toml).yaml"

QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
if (( QUICK )); then
  RUNS="${RUNS:-1}"; BUILD_RUNS="${BUILD_RUNS:-1}"; PEER_RUNS="${PEER_RUNS:-1}"
  SIZES="${SIZES:-1000 10000}"
else
  RUNS="${RUNS:-5}"; BUILD_RUNS="${BUILD_RUNS:-3}"; PEER_RUNS="${PEER_RUNS:-5}"
  SIZES="${SIZES:-1000 2000 5000 10000}"
fi

OUT="$ROOT/target/bench"
RAW="$OUT/raw"
PUBLISHED="$ROOT/xtask/tests/corpus/flatpeak-zero-2025-06.json"
rm -rf "$RAW"
mkdir -p "$RAW"

step() { printf '\n==> %s\n' "$*" >&2; }
# `timed FILE cmd...`: runs cmd, writes "wall user sys" (seconds) to FILE; cmd's output goes
# to FILE.out and FILE.err, its exit status to FILE.status.
timed() {
  local file="$1"; shift
  local TIMEFORMAT='%R %U %S'
  local status=0
  { time "$@" >"$file.out" 2>"$file.err" ; } 2>"$file" || status=$?
  echo "$status" >"$file.status"
}

step "machine"
{
  echo "nproc=$(nproc)"
  echo "cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "rustc=$(rustc -V)"
  echo "python=$(python3 -V 2>&1)"
  echo "load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+changes')"
} | tee "$RAW/machine.txt" >&2
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
  echo "warning: load average $load: something else is running, results will be noisy" >&2
fi

step "tools"
# Nothing is installed system-wide: hyperfine is used when it is there, else a shell loop
# times generation; openapi-core goes into a virtual environment under target/.
if ! command -v hyperfine >/dev/null 2>&1; then
  echo "hyperfine not found: timing generation with a shell loop" >&2
fi
PYTHON=python3
if ! python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("openapi-core") != "0.23.1")' 2>/dev/null
then
  python3 -m venv "$OUT/venv"
  "$OUT/venv/bin/pip" install --quiet --disable-pip-version-check -r conformance/bench/requirements.txt
  PYTHON="$OUT/venv/bin/python"
fi
echo "openapi-core=$("$PYTHON" -c 'import importlib.metadata as m; print(m.version("openapi-core"))')" \
  | tee -a "$RAW/machine.txt" >&2

step "build (release gate with synth, the gate profile \`cargo conformance\` builds, xtask, benches)"
# The release binary writes the synthetic sets (synth is behind a feature) and is row 3's
# "release binary"; `cargo conformance` builds the gate in the `gate` profile, built here
# so that its first build is not timed.
cargo build --quiet --locked --release -p conformance --features synth
cargo build --quiet --locked --profile gate -p conformance
cargo build --quiet --locked -p xtask --profile xtask
cargo bench --quiet --locked -p flatpeak --no-run 2>/dev/null

step "1. decoding (criterion, $RUNS runs)"
for i in $(seq "$RUNS"); do
  cargo bench --quiet --locked -p flatpeak --bench decode -- --noplot >"$RAW/decode-$i.txt" 2>&1
  for group in decode_device decode_location_status decode_tariff_rates; do
    for f in generated hand_written_floor serde_json_value; do
      cp "target/criterion/$group/$f/new/estimates.json" "$RAW/decode-$i-$group-$f.json"
    done
  done
done
wc -c <crates/flatpeak/tests/fixtures/yotta_device.json >"$RAW/device.bytes"
wc -c <crates/flatpeak/tests/fixtures/location_status.json >"$RAW/location_status.bytes"
wc -c <crates/flatpeak/tests/fixtures/tariff_rates.json >"$RAW/tariff_rates.bytes"

step "2. retrieve_device against hand-written reqwest (criterion and paired, $RUNS runs)"
for i in $(seq "$RUNS"); do
  cargo bench --quiet --locked -p flatpeak --bench call -- --noplot >"$RAW/call-$i.txt" 2>&1
  for f in generated_client hand_written_reqwest; do
    cp "target/criterion/retrieve_device/$f/new/estimates.json" "$RAW/call-$i-$f.json"
  done
done

step "3. the gate over synthetic sets ($SIZES; $RUNS runs each)"
GATE="$ROOT/target/release/conformance"
SYNTH="$GATE"
# The documented command, as a user runs it: cargo checks that the gate is fresh. The same gate
# through xtask (one more cargo step, and xtask's own freshness check) is timed beside it.
DOCUMENTED=(cargo conformance)
VIA_XTASK=(cargo xtask conformance)
for n in $SIZES; do
  set_dir="$OUT/synth-$n"
  rm -rf "$set_dir"
  "$SYNTH" synth --count "$n" --seed 1 --out "$set_dir" >/dev/null
  for i in $(seq "$RUNS"); do
    timed "$RAW/gate-$n-$i.time" "$GATE" --cassettes "$set_dir/cassettes" --no-waivers \
      --format json --output "$RAW/gate-$n.json" --timings
    # 1: the set has defects, as it should. 2 would mean the gate could not run.
    [[ "$(cat "$RAW/gate-$n-$i.time.status")" == 1 ]] || { cat "$RAW/gate-$n-$i.time.err" >&2; exit 2; }
  done
done

largest="${SIZES##* }"
for i in $(seq "$RUNS"); do
  timed "$RAW/documented-$largest-$i.time" "${DOCUMENTED[@]}" \
    --cassettes "$OUT/synth-$largest/cassettes" --no-waivers --format json \
    --output "$RAW/gate-documented.json" --timings
  [[ "$(cat "$RAW/documented-$largest-$i.time.status")" == 1 ]] \
    || { cat "$RAW/documented-$largest-$i.time.err" >&2; exit 2; }
  timed "$RAW/viaxtask-$largest-$i.time" "${VIA_XTASK[@]}" \
    --cassettes "$OUT/synth-$largest/cassettes" --no-waivers --format json \
    --output "$RAW/gate-viaxtask.json" --timings
  [[ "$(cat "$RAW/viaxtask-$largest-$i.time.status")" == 1 ]] \
    || { cat "$RAW/viaxtask-$largest-$i.time.err" >&2; exit 2; }
done
# The debug build (`--profile dev`, what the command ran before the gate profile): one run of
# it on the largest set, for scale.
cargo build --quiet --locked -p conformance
timed "$RAW/gate-debug-$largest.time" "${VIA_XTASK[@]}" --profile dev \
  --cassettes "$OUT/synth-$largest/cassettes" --no-waivers --format json \
  --output "$RAW/gate-debug.json" --timings

step "4. openapi-core on the same sets ($PEER_RUNS runs each), and on the bundled and negative sets"
# Each run of the peer follows a run of the release gate and one of the documented command on
# the same set: the ratios are taken per pair, so that a change in the machine's speed between
# runs does not enter them.
for n in $SIZES; do
  [[ "$n" == 1000 || "$n" == 10000 ]] || continue
  set_dir="$OUT/synth-$n"
  for i in $(seq "$PEER_RUNS"); do
    timed "$RAW/pair-$n-$i.time" "$GATE" --cassettes "$set_dir/cassettes" --no-waivers \
      --format json --output "$RAW/gate-$n.json" --timings
    timed "$RAW/pairdoc-$n-$i.time" "${DOCUMENTED[@]}" --cassettes "$set_dir/cassettes" \
      --no-waivers --format json --output "$RAW/gate-documented-$n.json" --timings
    timed "$RAW/pairxt-$n-$i.time" "${VIA_XTASK[@]}" --cassettes "$set_dir/cassettes" \
      --no-waivers --format json --output "$RAW/gate-viaxtask-$n.json" --timings
    timed "$RAW/peer-$n-$i.time" "$PYTHON" conformance/bench/peer_openapi_core.py \
      --spec "$DEFAULT_SPEC" --cassettes "$set_dir/cassettes" \
      --manifest "$set_dir/manifest.json" --gate-report "$RAW/gate-$n.json" \
      --out "$RAW/peer-$n-$i.json"
  done
done
# The same pairs on corpora of one small recorded interaction repeated (seed 000's Yotta
# device, seed 002's Zero location status: xtask/bench/seed_corpus.py), the corpora where the
# gate's fixed cost per interaction (a replay over loopback) weighs most against openapi-core.
for seed in yotta/seeds/retrieve-device zero/seeds/location-status; do
  release="${seed%%/*}"
  set_dir="$OUT/seed-$release"
  rm -rf "$set_dir"
  "$PYTHON" xtask/bench/seed_corpus.py "conformance/cassettes/$seed.json" --count "$largest" \
    --out "$set_dir" >/dev/null
  echo "$largest" >"$RAW/seed-$release.count"
  for i in $(seq "$PEER_RUNS"); do
    timed "$RAW/pair-seed-$release-$i.time" "$GATE" --cassettes "$set_dir" --format json \
      --output "$RAW/gate-seed-$release.json" --timings
    timed "$RAW/pairdoc-seed-$release-$i.time" "${DOCUMENTED[@]}" --cassettes "$set_dir" \
      --format json --output "$RAW/gate-documented-seed-$release.json" --timings
    timed "$RAW/pairxt-seed-$release-$i.time" "${VIA_XTASK[@]}" --cassettes "$set_dir" \
      --format json --output "$RAW/gate-viaxtask-seed-$release.json" --timings
    timed "$RAW/peer-seed-$release-$i.time" "$PYTHON" conformance/bench/peer_openapi_core.py \
      --spec "openapi/$release.yaml" --cassettes "$set_dir" \
      --gate-report "$RAW/gate-seed-$release.json" --out "$RAW/peer-seed-$release-$i.json"
  done
done
# Findings side by side on the bundled and negative sets, one release at a time, each against
# its own spec: the gate chooses each recording's release, openapi-core reads the one spec it
# is given. `by_release SET OUT` copies SET's files into OUT/<release>/, the release being the
# one the nearest `.flatpeak-release` names (the default's without one).
by_release() {
  local set="$1" out="$2" default file dir release
  default=$(basename "$DEFAULT_SPEC" .yaml)
  rm -rf "$out"
  while IFS= read -r -d '' file; do
    dir=$(dirname "$file")
    while [[ ! -f "$dir/.flatpeak-release" && "$dir" != "$set" ]]; do dir=$(dirname "$dir"); done
    release=$(tr -d '[:space:]' <"$dir/.flatpeak-release" 2>/dev/null || echo "$default")
    mkdir -p "$out/$release/$(dirname "${file#"$set"/}")"
    cp "$file" "$out/$release/${file#"$set"/}"
  done < <(find "$set" -type f ! -name .flatpeak-release -print0)
  for dir in "$out"/*/; do basename "$dir" >"$dir/.flatpeak-release"; done
}
peer_findings() {
  local name="$1" dir="$2" spec="$3"
  "$GATE" --cassettes "$dir" --no-waivers --format json \
    --output "$RAW/gate-$name.json" >/dev/null || true
  "$PYTHON" conformance/bench/peer_openapi_core.py --spec "$spec" \
    --cassettes "$dir" --gate-report "$RAW/gate-$name.json" \
    --out "$RAW/peer-$name.json" >/dev/null
}
for set in cassettes tests/negative; do
  name=$(basename "$set")
  by_release "conformance/$set" "$OUT/by-release-$name"
  for dir in "$OUT/by-release-$name"/*/; do
    release=$(basename "$dir")
    peer_findings "$name-$release" "${dir%/}" "openapi/$release.yaml"
  done
done

step "5. cargo xtask generate (the built binary; hyperfine, $RUNS runs)"
XTASK="$ROOT/target/xtask/xtask"   # `cargo xtask` builds it in the `xtask` profile
GEN_OURS="$XTASK generate --check"
GEN_PUBLISHED="$XTASK generate --spec $PUBLISHED --out $OUT/published-crate --no-check"
# Each command once first, so that a failing one stops the run with its error, rather than
# leaving hyperfine (-i) to time a failure.
for cmd in "$GEN_OURS" "$GEN_PUBLISHED"; do
  $cmd >"$RAW/generate-check.out" 2>"$RAW/generate-check.err" \
    || { echo "failed: $cmd" >&2; tail -5 "$RAW/generate-check.err" >&2; exit 2; }
done
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --style none --warmup 1 --runs "$RUNS" -i --export-json "$RAW/generate.json" \
    -n ours "$GEN_OURS" -n published "$GEN_PUBLISHED" >/dev/null
else
  for name in ours published; do
    cmd=$GEN_OURS; [[ $name == published ]] && cmd=$GEN_PUBLISHED
    for i in $(seq "$RUNS"); do
      start=$(date +%s%N); $cmd >/dev/null 2>&1 || true; end=$(date +%s%N)
      echo "$(( (end - start) / 1000 ))" >>"$RAW/generate-$name.us"
    done
  done
fi

step "6. build time of crates/flatpeak (a copy of the tree; $BUILD_RUNS runs each)"
TREE="$OUT/tree"
export CARGO_TARGET_DIR="$OUT/tree-target"
rm -rf "$TREE"
mkdir -p "$TREE"
git ls-files -z | xargs -0 cp --parents -t "$TREE"
(
  cd "$TREE"
  # Yotta's spec is written by hand (the others are generated from overlays): the edit stays.
  spec=openapi/yotta.yaml
  cp "$spec" "$OUT/spec.orig"
  for i in $(seq "$BUILD_RUNS"); do
    rm -rf "$CARGO_TARGET_DIR"
    timed "$RAW/build-cold-$i.time" cargo build --quiet --locked --offline -p flatpeak
    cargo clean --quiet -p flatpeak
    timed "$RAW/build-crate-$i.time" cargo build --quiet --locked --offline -p flatpeak
  done
  cargo build --quiet --locked --offline -p xtask
  for i in $(seq "$BUILD_RUNS"); do
    # One field more on Device, regenerated, then the incremental build that follows.
    "$PYTHON" xtask/bench/add_field.py "$spec"
    "$CARGO_TARGET_DIR/debug/xtask" generate >/dev/null 2>&1
    timed "$RAW/build-incremental-$i.time" cargo build --quiet --locked --offline -p flatpeak
    cp "$OUT/spec.orig" "$spec"
    "$CARGO_TARGET_DIR/debug/xtask" generate >/dev/null 2>&1
    cargo build --quiet --locked --offline -p flatpeak
  done
)
unset CARGO_TARGET_DIR
for f in "$RAW"/build-*.time.status; do
  [[ "$(cat "$f")" == 0 ]] || { echo "a build failed: ${f%.status}.err" >&2; cat "${f%.status}.err" >&2; exit 2; }
done

step "7. cargo test --workspace (built first; $BUILD_RUNS runs)"
# Built by one untimed run, not only `--no-run`: the first run of a test binary after a build
# is slower than the next (page cache, the dynamic loader), which a warm run does not pay.
cargo test --quiet --locked --workspace >/dev/null 2>&1
for i in $(seq "$BUILD_RUNS"); do
  timed "$RAW/test-$i.time" cargo test --quiet --locked --workspace
  [[ "$(cat "$RAW/test-$i.time.status")" == 0 ]] || { echo "the tests failed: $RAW/test-$i.time.err" >&2; exit 2; }
done

step "results"
"$PYTHON" xtask/bench/results.py "$RAW" "$SIZES" | tee "$OUT/results.md"
