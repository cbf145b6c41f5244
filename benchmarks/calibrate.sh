#!/usr/bin/env bash
# Re-fit the shipped calibration (audit/calibration.yaml) on the development MQM data by
# document-level 5-fold cross-validation, and print the cross-validated figures.
#
# Run from anywhere:  benchmarks/calibrate.sh [extra mt-audit eval options]
# min_support is fixed at 1: the issue requires that no shipped rule fires on error-free segments
# more often than it lands on a gold span; pass --min-support N (or leave it out of a manual run,
# so an inner cross-validation chooses it) to study the alternative.
set -euo pipefail
# shellcheck source=benchmarks/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
# shellcheck disable=SC2086
$MT_AUDIT eval "$DATA" --calibrate --folds 5 --seed 0 --min-support 1 \
    --write-calibration audit/calibration.yaml "$@"
