#!/usr/bin/env bash
# Measure the flagger against the development MQM annotations, in both modes
# (target only, and --with-source), and print the tables beside the baselines.
#
# Run from anywhere:  benchmarks/eval_mqm.sh [table|markdown|json] [extra mt-audit eval options]
# Data: ../shared/benchmarks/mqm-newstest2021-zhen.jsonl (relative to the repository root),
# else $MT_AUDIT_MQM_DATA. No tests are run; this is the benchmark step.
set -euo pipefail
# shellcheck source=benchmarks/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
FORMAT="${1:-table}"
shift || true
say() { if [[ "$FORMAT" == json ]]; then echo "$@" >&2; else echo "$@"; fi; }
# The embedding-based source check (source.similarity) costs ~0.3-0.8 s per pair on a 2-core
# machine (hours for 9,614 rows), so the with-source run leaves it out unless
# MT_AUDIT_EVAL_SOURCE_OPTS says otherwise (set it to "" to run every source-aware check).
SOURCE_OPTS="${MT_AUDIT_EVAL_SOURCE_OPTS---disable-rule source.similarity}"
for MODE in "" "--with-source $SOURCE_OPTS"; do
    say "== mt-audit eval $DATA --format $FORMAT $MODE $*"
    START=$(date +%s.%N)
    # shellcheck disable=SC2086  # MT_AUDIT and MODE are word lists on purpose
    $MT_AUDIT eval "$DATA" --format "$FORMAT" $MODE "$@"
    END=$(date +%s.%N)
    say "== wall time: $(python3 -c "print(f'{$END - $START:.1f} s')")"
    say
done
