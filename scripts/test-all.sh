#!/usr/bin/env bash
# The one command that checks everything: `npm test` (also .ci/run). See docs/testing.md.
#
# This part prepares the machine (apt packages, node_modules), then hands over to
# scripts/run-tests.ts for the checks, the PostgreSQL cluster, the tests, the Node 24 smoke and the
# summary. Idempotent: a second run installs nothing.
#
# Knobs: GEOSYNC_TEST_ONLY=<substring>  only test files whose path contains it (no checks, no smoke)
#        GEOSYNC_TEST_SKIP_NODE24=1     skip the Node 24 phase
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests need. Add new ones here (gdal-bin, mapserver-bin, ...).
APT_PACKAGES="postgresql-15 postgresql-15-postgis-3 chromium fonts-dejavu-core fonts-liberation mariadb-server mapserver-bin cgi-mapserver mapcache-tools"

now_ms() { date +%s%3N; }
seconds_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f s", (b - a) / 1000 }'; }

export GEOSYNC_TEST_T0="${GEOSYNC_TEST_T0:-$(now_ms)}"
setup_failures=0

# Everything temporary of this run (PostgreSQL cluster, smoke data folders) lives here, so one
# trap removes it whatever happens.
GEOSYNC_TEST_RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/geosync-test.XXXXXX")"
chmod 755 "$GEOSYNC_TEST_RUN_DIR" # the postgres user must reach its cluster folder inside
export GEOSYNC_TEST_RUN_DIR
runner_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n "$runner_pid" ]] && kill -0 "$runner_pid" 2>/dev/null; then
    kill -TERM "$runner_pid" 2>/dev/null || true
    wait "$runner_pid" 2>/dev/null || true
  fi
  # Normally the runner has stopped its cluster already; this catches a runner that died.
  local pid_file
  for pid_file in "$GEOSYNC_TEST_RUN_DIR"/*/data/postmaster.pid; do
    [[ -e "$pid_file" ]] || continue
    local data_dir
    data_dir="$(dirname "$pid_file")"
    if [[ "$(id -u)" == 0 ]]; then
      runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$data_dir" -m immediate -w stop >/dev/null 2>&1 || true
    else
      /usr/lib/postgresql/15/bin/pg_ctl -D "$data_dir" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$GEOSYNC_TEST_RUN_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Ends the run before the node-side runner could start: the summary line must still be last.
fail_early() {
  echo "$1" >&2
  echo "Total wall time: $(seconds_since "$GEOSYNC_TEST_T0")"
  echo "0 passed, 1 failed"
  exit 1
}

# --- 1. System packages -------------------------------------------------------------------
phase_start=$(now_ms)
missing=()
for package in $APT_PACKAGES; do
  if ! dpkg -s "$package" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "== apt packages: all present ($(seconds_since "$phase_start"))"
elif [[ "$(id -u)" == 0 ]]; then
  echo "== apt packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
    echo "== apt packages: installed ($(seconds_since "$phase_start"))"
  else
    echo "!! apt packages: installing ${missing[*]} failed" >&2
    setup_failures=$((setup_failures + 1))
  fi
else
  echo "!! apt packages missing: ${missing[*]}" >&2
  echo "!! Not root, so not installing them. Run as root, or: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "!! Tests that need them will fail." >&2
  setup_failures=$((setup_failures + 1))
fi

# --- 2. node_modules ----------------------------------------------------------------------
# npm ci only when node_modules does not match package-lock.json. The hash of the lock file that
# was last installed is kept in node_modules/.geosync-lock-hash; without it (node_modules made by
# hand), npm's own record of what it installed is compared with the lock file instead.
phase_start=$(now_ms)
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
hash_file=node_modules/.geosync-lock-hash
node_modules_ok() {
  [[ -f node_modules/.package-lock.json ]] || return 1
  [[ -f "$hash_file" && "$(cat "$hash_file")" == "$lock_hash" ]] && return 0
  node -e '
    const fs = require("node:fs");
    const wanted = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages;
    for (const [key, entry] of Object.entries(wanted)) {
      if (key === "" || key.startsWith("node_modules/") === false) continue;
      if (!have[key] ? !entry.optional : have[key].version !== entry.version) process.exit(1);
    }
    for (const key of Object.keys(have)) if (!wanted[key]) process.exit(1);
  ' 2>/dev/null
}
if node_modules_ok; then
  echo "$lock_hash" >"$hash_file"
  echo "== node_modules: up to date ($(seconds_since "$phase_start"))"
else
  echo "== node_modules: npm ci"
  npm ci --no-audit --no-fund || fail_early "!! npm ci failed"
  echo "$lock_hash" >"$hash_file"
  echo "== node_modules: installed ($(seconds_since "$phase_start"))"
fi

# --- 3 to 7: checks, PostgreSQL, tests, Node 24, summary (scripts/run-tests.ts) ------------
# Run in the background and wait, so a TERM/INT to this shell runs the trap at once (a shell
# waiting on a foreground child would only run it after the child ends).
export GEOSYNC_TEST_SETUP_FAILURES="$setup_failures"
node --import tsx scripts/run-tests.ts &
runner_pid=$!
set +e
wait "$runner_pid"
status=$?
set -e
runner_pid=""
exit "$status"
