#!/usr/bin/env bash
# Slurm integration test for `dpop run --launcher slurm` and `dpop status`, against a real single-node
# Slurm on the loopback address (scripts/slurm-local.sh: installs slurm-wlm + munge with apt-get when
# missing, starts munged, slurmctld, slurmd). Run as root, after `make test`:
#
#   bash scripts/ci-slurm-test.sh
#
# It builds the release dpop (or uses $DPOP_BIN), then:
#   1. submits a 4-cell grid as one job array (results folder with a space in its path), waits, and
#      checks every task exited 0 (jobcomp log), every cell's run.json is completed with provenance and its
#      Slurm task, the reference model was built once, and `dpop status` agrees;
#   2. re-submits: nothing is submitted;
#   3. submits a fast and a slow cell, cancels the slow cell's task with scancel while it runs, checks
#      the cell reads as pending, re-submits (only that cell goes) and checks it completes;
#   4. checks squeue-based staleness of locks from another node, held (queued) tasks not being
#      submitted twice, --dry-run, and the errors for a refused job and a missing sbatch.
# Tears everything down, prints `slurm: N passed, M failed`, exits non-zero on any failure.
# Environment: DPOP_BIN (a built dpop), DPOP_SCRATCH (swift build --scratch-path), DPOP_SLURM_TEST_TIMEOUT
# (seconds for the Slurm part, default 600), KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
START=$(date +%s)
PASSED=0
FAILED=0
FAILURES=()

log() { printf '[%4ss] %s\n' "$(($(date +%s) - START))" "$*"; }
pass() { PASSED=$((PASSED + 1)); log "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); FAILURES+=("$*"); log "FAIL $*"; }
# check DESCRIPTION COMMAND...: runs the command, counts a pass or a failure.
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }

if [ "$(id -u)" != 0 ]; then echo "ci-slurm-test: run as root (slurmd runs the jobs)" >&2; exit 2; fi

# --- dpop --------------------------------------------------------------------------------------
if [ -n "${DPOP_BIN:-}" ]; then
    DPOP=$(readlink -f "$DPOP_BIN")
else
    log "building release dpop"
    SCRATCH=(${DPOP_SCRATCH:+--scratch-path "$DPOP_SCRATCH"})
    timeout 2400 swift build -c release --product dpop "${SCRATCH[@]}" 2>&1 | tail -n 3
    DPOP=$(swift build -c release "${SCRATCH[@]}" --show-bin-path)/dpop
fi
[ -x "$DPOP" ] || { echo "ci-slurm-test: no dpop at $DPOP" >&2; exit 2; }
log "dpop: $DPOP"

# --- Slurm -------------------------------------------------------------------------------------
export DPOP_SLURM_DIR=/tmp/dpop-slurm-ci
export SLURM_CONF=$DPOP_SLURM_DIR/slurm.conf
JOBCOMP=$DPOP_SLURM_DIR/log/jobcomp.txt
WORK=$(mktemp -d /tmp/dpop-slurm-test.XXXXXX)
RESULTS="$WORK/slurm results"          # a space, on purpose: every path in the script must be quoted
WATCHDOG=""

teardown() {
    local status=$?
    trap - TERM
    if [ -n "$WATCHDOG" ]; then
        kill "$WATCHDOG" 2>/dev/null || true
        [ -s "$WORK/.watchdog" ] && kill "$(cat "$WORK/.watchdog")" 2>/dev/null || true
    fi
    if [ "$FAILED" -gt 0 ] || [ "$status" != 0 ]; then
        echo "---- slurmctld log (tail) ----"; tail -n 15 "$DPOP_SLURM_DIR/log/slurmctld.log" 2>/dev/null || true
        echo "---- slurmd log (tail) ----"; tail -n 15 "$DPOP_SLURM_DIR/log/slurmd.log" 2>/dev/null || true
        for f in "$RESULTS"/*/logs/slurm-*.log; do
            [ -f "$f" ] && { echo "---- $f (tail) ----"; tail -n 8 "$f"; }
        done
    fi
    timeout 60 bash "$REPO/scripts/slurm-local.sh" down || true
    if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
    if [ "$status" != 0 ] && [ "$FAILED" = 0 ]; then FAILED=1; FAILURES+=("aborted (exit $status)"); fi
    echo "slurm: $PASSED passed, $FAILED failed ($(($(date +%s) - START)) s)"
    for f in "${FAILURES[@]}"; do echo "  failed: $f"; done
    [ "$FAILED" = 0 ] && exit 0 || exit 1
}
trap teardown EXIT
trap 'log "timed out"; exit 124' TERM

log "bringing up Slurm"
timeout 600 bash scripts/slurm-local.sh up
# The watchdog: TERM to this script when the Slurm part overruns (the trap then tears down).
( sleep "${DPOP_SLURM_TEST_TIMEOUT:-600}" & echo $! >"$WORK/.watchdog"; wait $! && kill -TERM $$ ) </dev/null >/dev/null 2>&1 &
WATCHDOG=$!

# wait_gone JOB SECONDS: until squeue no longer lists JOB (or any of its tasks).
wait_gone() {
    local i
    for ((i = 0; i < $2 * 2; i++)); do
        [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    return 1
}
# submit SPEC [ARGS…]: dpop run --launcher slurm; sets OUT and JOB (empty when nothing was submitted).
submit() {
    JOB=""
    OUT=$("$DPOP" run "$1" --results "$RESULTS" --launcher slurm "${@:2}" 2>&1) || { echo "$OUT"; return 1; }
    echo "$OUT" | sed 's/^/    /'
    JOB=$(echo "$OUT" | sed -n 's/^submitted Slurm job \([0-9]*\):.*/\1/p')
}
# task_completed JOB TASK: the jobcomp log has the task as COMPLETED with exit code 0.
task_completed() { grep -E "ArrayJobId=$1 ArrayTaskId=$2 " "$JOBCOMP" | grep -q 'JobState=COMPLETED .*ExitCode=0:0'; }
task_state() { grep -E "ArrayJobId=$1 ArrayTaskId=$2 " "$JOBCOMP" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | tail -n 1; }
# field FILE KEY: a string value of a pretty-printed JSON file, e.g. field run.json status.
field() { sed -n "s/^ *\"$2\" : \"\\([^\"]*\\)\".*/\\1/p" "$1" | head -n 1; }
cell_of() { sed -n "$(($2 + 1))p" "$1"; }        # cell_of MANIFEST TASK
latest_submission() { ls -d "$RESULTS/$1/slurm/"*/ | sort | tail -n 1; }

HEAD=$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo none)

# --- 1. a grid of four cells -------------------------------------------------------------------
log "1. grid: submit 4 cells"
GRID=scripts/ci-slurm/grid.yaml
G="$RESULTS/slurm-grid"
submit "$GRID" --max-parallel 2 --time 00:10:00 --cpus-per-task 1 || true
check "grid submitted as one array job" test -n "$JOB"
JOB1=$JOB
SUB1=$(latest_submission slurm-grid)
check "script has --array=0-3%2" grep -qx '#SBATCH --array=0-3%2' "$SUB1/job.sbatch"
check "script writes logs to logs/slurm-%A_%a.log" grep -qF "#SBATCH --output=\"$G/logs/slurm-%A_%a.log\"" "$SUB1/job.sbatch"
check "manifest lists 4 cells" test "$(wc -l <"$SUB1/cells.txt")" = 4
check "job.json records the job id" grep -q "\"job\" : \"$JOB1\"" "$SUB1/job.json"
submit "$GRID" || true
check "re-submitting while the array runs submits nothing" test -z "$JOB"
wait_gone "$JOB1" 240 || fail "job $JOB1 still in the queue after 240 s"
log "job $JOB1 left the queue"
for t in 0 1 2 3; do
    id=$(cell_of "$SUB1/cells.txt" $t)
    run="$G/runs/$id/run.json"
    check "task ${JOB1}_$t exited 0 (jobcomp)" task_completed "$JOB1" $t
    check "cell $id completed" test "$(field "$run" status)" = completed
    check "cell $id records slurmJob ${JOB1}_$t" test "$(field "$run" slurmJob)" = "${JOB1}_$t"
    check "cell $id records provenance commit $HEAD" test "$(field "$run" commit)" = "$HEAD"
    check "cell $id records its reference's sha256" test -n "$(field "$run" referenceSHA256)"
    check "task log slurm-${JOB1}_$t.log names the cell" grep -q "cell $id" "$G/logs/slurm-${JOB1}_$t.log"
done
check "the reference model was built once for 4 tasks" test "$(cat "$G"/logs/slurm-"$JOB1"_*.log | grep -c 'building reference')" = 1
STATUS=$("$DPOP" status "$G")
echo "$STATUS" | sed 's/^/    /'
check "dpop status: 4 completed" grep -q '^4 cells: 4 completed, 0 failed, 0 running, 0 pending' <<<"$STATUS"
check "dpop status shows the task logs" grep -qF "$G/logs/slurm-${JOB1}_3.log" <<<"$STATUS"

# --- 2. re-submitting a finished grid ------------------------------------------------------------
log "2. grid: re-submit"
before=$(ls "$G/slurm" | wc -l)
submit "$GRID" || true
check "re-submitting a finished grid submits nothing" test -z "$JOB"
check "…and says so" grep -q '^nothing pending, no job submitted: 4 completed' <<<"$OUT"
check "…and writes no submission" test "$(ls "$G/slurm" | wc -l)" = "$before"

# --- 3. a task cancelled while it runs is re-run ---------------------------------------------------
log "3. kill: submit a fast and a slow cell, cancel the slow one mid-run"
KILL=scripts/ci-slurm/kill.yaml
K="$RESULTS/slurm-kill"
SLOW=$("$DPOP" plan "$KILL" --results "$RESULTS" | awk '$2 == "30000" { print $1 }')
submit "$KILL" --max-parallel 2 || true
JOB2=$JOB
check "kill grid submitted" test -n "$JOB2"
SUB2=$(latest_submission slurm-kill)
SLOWTASK=$(($(grep -nx "$SLOW" "$SUB2/cells.txt" | cut -d: -f1) - 1))
running=""
for ((i = 0; i < 240; i++)); do      # up to 120 s: the slow task has claimed its cell and is training
    if [ -f "$K/locks/$SLOW.lock" ] && [ "$(squeue -h -j "${JOB2}_$SLOWTASK" -o %T 2>/dev/null)" = RUNNING ]; then
        running=1; break
    fi
    sleep 0.5
done
check "slow cell $SLOW is running in task ${JOB2}_$SLOWTASK" test -n "$running"
check "dpop status: the slow cell is running in ${JOB2}_$SLOWTASK" \
    bash -c "'$DPOP' status '$K' | grep -E '^$SLOW +running +${JOB2}_$SLOWTASK '"
sleep 1
scancel "${JOB2}_$SLOWTASK"
log "scancel ${JOB2}_$SLOWTASK"
wait_gone "$JOB2" 120 || fail "job $JOB2 still in the queue 120 s after scancel"
check "the cancelled task shows as CANCELLED (jobcomp)" test "$(task_state "$JOB2" "$SLOWTASK")" = CANCELLED
# scancel sends SIGTERM first: dpop records the cell as interrupted and releases its lock. Had SIGKILL
# come first, the cell would have no result and a stale lock instead; both must resume.
if [ -e "$K/runs/$SLOW/run.json" ]; then
    SLOWSTATE=interrupted
    check "the cancelled cell recorded itself as interrupted (SIGTERM)" test "$(field "$K/runs/$SLOW/run.json" status)" = interrupted
    check "the interrupted cell released its lock" test ! -e "$K/locks/$SLOW.lock"
else
    SLOWSTATE=pending
    check "the cancelled task left its lock behind" test -f "$K/locks/$SLOW.lock"
fi
check "the fast cell completed" test "$(field "$K/runs/$(cell_of "$SUB2/cells.txt" $((1 - SLOWTASK)))/run.json" status)" = completed
STATUS=$("$DPOP" status "$K")
echo "$STATUS" | sed 's/^/    /'
if [ "$SLOWSTATE" = interrupted ]; then
    check "dpop status: the cancelled cell is interrupted" grep -qE "^$SLOW +interrupted" <<<"$STATUS"
    check "dpop status: 1 completed, 1 interrupted" grep -q '^2 cells: 1 completed, 0 failed, 1 interrupted, 0 running, 0 pending' <<<"$STATUS"
else
    check "dpop status: the cancelled cell is pending" grep -qE "^$SLOW +pending +${JOB2}_$SLOWTASK +.*task ended without a result" <<<"$STATUS"
    check "dpop status: 1 completed, 1 pending" grep -q '^2 cells: 1 completed, 0 failed, 0 running, 1 pending' <<<"$STATUS"
fi
submit "$KILL" --max-parallel 2 || true
JOB3=$JOB
check "re-submitting submits the cancelled cell" test -n "$JOB3"
check "…and only it" test "$(cat "$(latest_submission slurm-kill)/cells.txt")" = "$SLOW"
wait_gone "$JOB3" 180 || fail "job $JOB3 still in the queue after 180 s"
check "the re-run task exited 0 (jobcomp)" task_completed "$JOB3" 0
check "the cancelled cell is now completed" test "$(field "$K/runs/$SLOW/run.json" status)" = completed
check "…recorded as task ${JOB3}_0" test "$(field "$K/runs/$SLOW/run.json" slurmJob)" = "${JOB3}_0"
check "…with provenance" test "$(field "$K/runs/$SLOW/run.json" commit)" = "$HEAD"
check "…and its lock is gone" test ! -e "$K/locks/$SLOW.lock"
check "dpop status: 2 completed" bash -c "'$DPOP' status '$K' | grep -q '^2 cells: 2 completed, 0 failed, 0 running, 0 pending'"

# --- 4. staleness through squeue, queued tasks, dry run, errors ------------------------------------
log "4. locks from another node, held tasks, --dry-run, errors"
SLEEPER=$(sbatch --parsable --wrap 'sleep 120' --output=/dev/null)
for ((i = 0; i < 60; i++)); do [ "$(squeue -h -j "$SLEEPER" -o %T)" = RUNNING ] && break; sleep 0.5; done
host=$(hostname)
printf '{"pid":1,"host":"other-%s","started":"","slurmJob":"%s_0"}' "$host" "$JOB1" >"$G/locks/aaaaaaaaaaaa.lock"
printf '{"pid":1,"host":"other-%s","started":"","slurmJob":"%s"}' "$host" "$SLEEPER" >"$G/locks/bbbbbbbbbbbb.lock"
STATUS=$("$DPOP" status "$G")
check "a lock from another node whose task ended is stale (pending)" grep -qE "^aaaaaaaaaaaa +pending +${JOB1}_0 " <<<"$STATUS"
check "a lock from another node whose job runs is live (running)" grep -qE "^bbbbbbbbbbbb +running +$SLEEPER " <<<"$STATUS"
scancel "$SLEEPER"; wait_gone "$SLEEPER" 30 || true
rm -f "$G/locks/aaaaaaaaaaaa.lock" "$G/locks/bbbbbbbbbbbb.lock"

H="$RESULTS/held"
OUT=$("$DPOP" run "$GRID" --results "$H" --launcher slurm --sbatch-arg=--hold 2>&1) || true
JOB4=$(echo "$OUT" | sed -n 's/^submitted Slurm job \([0-9]*\):.*/\1/p')
check "a held array is submitted (--sbatch-arg=--hold)" test -n "$JOB4"
OUT=$("$DPOP" run "$GRID" --results "$H" --launcher slurm 2>&1) || true
check "its queued tasks are not submitted again" grep -q '^nothing pending, no job submitted: 4 queued in Slurm' <<<"$OUT"
check "dpop status: 4 pending, queued" bash -c "'$DPOP' status '$H/slurm-grid' | grep -q '(4 queued in Slurm)'"
scancel "$JOB4"; wait_gone "$JOB4" 30 || true
OUT=$("$DPOP" run "$GRID" --results "$H" --launcher slurm --dry-run 2>&1) || true
DRY=$(echo "$OUT" | sed -n 's/^wrote \(.*\/job\.sbatch\) (dry run.*/\1/p')
check "--dry-run writes the script (4 cells again after scancel)" grep -qx '#SBATCH --array=0-3' "$DRY"
check "--dry-run submits nothing" test -z "$(squeue -h -o %i)"
OUT=$("$DPOP" run "$GRID" --results "$H" --launcher slurm --partition nosuch 2>&1) && rc=0 || rc=$?
check "a refused job is an error" test "$rc" != 0
check "…showing sbatch's message" grep -q 'sbatch refused the job (exit 1): sbatch: error: .*invalid partition' <<<"$OUT"
OUT=$(PATH=/nonexistent "$DPOP" run "$REPO/$GRID" --results "$H" --launcher slurm 2>&1) && rc=0 || rc=$?
check "no sbatch on PATH is an error" test "$rc" != 0
check "…saying so, with the --dry-run hint" grep -q 'sbatch not found on PATH; is this a Slurm login node?' <<<"$OUT"
log "done"
