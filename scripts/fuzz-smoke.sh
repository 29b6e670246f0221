#!/usr/bin/env bash
# Runs every libFuzzer target of build/fuzz (the `fuzz` preset, `make fuzz-smoke`) for
# FUZZ_SECONDS each over a fresh copy of its seed corpus (build/fuzz/corpus/<target>; the
# repository's tests/fuzz/corpus is never written), one after the other. Prints one line per
# target; exits 1 if any target crashed, leaked, ran out of memory or hung.
#   FUZZ_SECONDS=15 (default)  FUZZ_TARGETS="job_yaml change_codec" (default: all)
# A crash leaves its input in build/fuzz/artifacts/<target>/ and its log in build/fuzz/logs/.
set -uo pipefail
cd "$(dirname "$0")/.."

build=build/fuzz
seconds="${FUZZ_SECONDS:-15}"
targets="${FUZZ_TARGETS:-submit_job enroll node_message upload_result list_paging change_codec scenario_yaml job_yaml}"

max_len() {  # bytes: a little above the largest seeds, room for growth
  case "$1" in
    scenario_yaml | job_yaml) echo 4096 ;;
    change_codec) echo 2048 ;;
    *) echo 1024 ;;
  esac
}

# Third-party leaks reported at exit only (see the file); ours still fail the run.
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

failed=0
for t in $targets; do
  bin="$build/tests/fuzz/fuzz_$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz-smoke: $t: $bin not built (cmake --build $build --target fuzz_targets)"
    failed=1
    continue
  fi
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/logs/$t.log"
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/
  start=$(date +%s)
  # The wall-clock guard (timeout) only matters if the fuzzer itself hangs on exit.
  timeout --kill-after=10 $((seconds + 60)) "$bin" "$corpus" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len="$(max_len "$t")" -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ "$rc" -eq 0 ]; then
    echo "fuzz-smoke: $t: ok, ${execs:-?} execs in ${took}s (${rate:-?}/s), ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l)"
  else
    failed=1
    why=$(grep -m1 -E '^SUMMARY|ERROR: libFuzzer|runtime error|fuzz check failed' "$log")
    echo "fuzz-smoke: $t: FAILED (rc $rc) after ${execs:-?} execs: ${why:-see $log}"
    echo "fuzz-smoke:   input kept in $artifacts/, log in $log; replay: $bin $artifacts/<file>"
  fi
done
exit "$failed"
