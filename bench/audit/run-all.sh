#!/usr/bin/env bash
# Both halves of the whole-system audit benchmark, one after the other (each daemon alone on the
# machine), same workload and settings. A missing Canister feature stops the second half with its reason;
# the auditd figures stand.
set -uo pipefail
dir=$(dirname "${BASH_SOURCE[0]}")
"$dir/run-auditd.sh"
echo
"$dir/run-canister.sh" || echo "# canister half did not run (reason above)"
