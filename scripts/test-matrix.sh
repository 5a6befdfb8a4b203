#!/usr/bin/env bash
# make test-matrix: the acceptance and end-to-end tests again with every
# Terraform named in TF_ACC_TERRAFORM_VERSIONS_PATHS (colon-separated paths
# of terraform binaries), printing how many tests passed and how many were
# skipped on each version (tfversion.SkipBelow skips a test of a feature
# newer than the Terraform running it, and nothing else skips).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TF_ACC_TERRAFORM_VERSIONS_PATHS:-}" ]; then
  echo "test-matrix: set TF_ACC_TERRAFORM_VERSIONS_PATHS to colon-separated terraform binaries" >&2
  exit 1
fi
summary=""
status=0
IFS=: read -r -a binaries <<<"$TF_ACC_TERRAFORM_VERSIONS_PATHS"
for tf in "${binaries[@]}"; do
  [ -x "$tf" ] || { echo "test-matrix: $tf is not an executable terraform" >&2; exit 1; }
  version=$("$tf" version | head -n 1)
  echo "==> acceptance and end-to-end tests with $version ($tf)"
  log=$(mktemp)
  if TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tf" go test -count=1 -timeout 30m -v ./internal/provider/... ./internal/e2e/... >"$log" 2>&1; then
    result=ok
  else
    result=FAILED status=1
    cat "$log" >&2 # everything: the failure's detail is in the test output

  fi
  # Top-level tests only: subtests are counted with their parent.
  passed=$(grep -cE '^--- PASS' "$log" || true)
  failed=$(grep -cE '^--- FAIL' "$log" || true)
  skipped=$(grep -cE '^--- SKIP' "$log" || true)
  summary+="$(printf '%-28s %s: %s passed, %s failed, %s skipped' "$version" "$result" "$passed" "$failed" "$skipped")"$'\n'
  rm -f "$log"
done
echo "==> test matrix"
printf '%s' "$summary"
exit "$status"
