#!/usr/bin/env bash
# The one command that runs every Hostnet test: unit tests, the codec fuzz,
# the built CLI as a process, and (as root) the kernel tests in network
# namespaces that the tests create and remove.
#   ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Store]
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

# The CLI tests run the real native binary: build it first (the launcher
# rebuilds only when sources changed).
./hostnet --version >/dev/null || { echo "test.sh: the CLI did not build" >&2; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Hostnet.slnx -c Release --nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# One closing line for the whole suite, summed over the test projects.
awk '
  /(Passed|Failed)!  *-  *Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  f += $(i+1) + 0
      if ($i == "Passed:")  p += $(i+1) + 0
      if ($i == "Skipped:") s += $(i+1) + 0
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
exit "$rc"
