# Shared by the benchmark scripts (sourced): go to the repository root, find the development
# MQM data and the mt-audit command. Sets ROOT, DATA and MT_AUDIT; exits 2 without data.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="../shared/benchmarks/mqm-newstest2021-zhen.jsonl"
if [[ ! -f "$DATA" ]]; then
    DATA="${MT_AUDIT_MQM_DATA:-}"
fi
if [[ -z "$DATA" || ! -f "$DATA" ]]; then
    echo "$(basename "$0"): no MQM data at ../shared/benchmarks/mqm-newstest2021-zhen.jsonl; set MT_AUDIT_MQM_DATA" >&2
    exit 2
fi
MT_AUDIT="${MT_AUDIT:-mt-audit}"
if ! command -v "$MT_AUDIT" >/dev/null 2>&1; then
    MT_AUDIT="python -m audit.cli"
fi
