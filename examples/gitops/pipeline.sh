#!/usr/bin/env bash
# The GitOps flow of github-actions.yml as a plain script, for any other CI
# system (GitLab CI, Jenkins, Buildkite, a cron job, ...). Run it in the
# directory of the root module (or set TF_DIR):
#
#   pipeline.sh plan    terraform init, then terraform plan -out=tfplan. Exits
#                       0 when nothing changes, 2 when the plan changes
#                       something (tfplan holds it), 1 on any error; prints a
#                       summary of the planned changes.
#   pipeline.sh apply   terraform init, then terraform apply of the saved
#                       tfplan: exactly what the plan showed, or nothing
#                       (Terraform refuses a plan whose state has changed
#                       since). Exits 0 or 1.
#
# The environment, from the CI system's variables and secret store:
#   PGCLOUD_ENDPOINT     the platform's URL (not a secret)
#   PGCLOUD_ACCESS_KEY   plan: a key of a machine user with org_admin (read-only)
#                        apply: a key of a machine user with org_owner
#   TF_VAR_*             the root module's variables; write-only passwords
#                        (ephemeral variables) must be set for the apply too
#   TF_DIR               the root module's directory (default: .)
#   PLAN_FILE            the saved plan (default: tfplan, relative to TF_DIR)
#   TERRAFORM            the terraform binary (default: terraform on PATH)
# Everything else Terraform reads from its environment (TF_CLI_CONFIG_FILE,
# TF_LOG, TF_LOG_PATH, TF_PLUGIN_CACHE_DIR, ...) passes through unchanged.
#
# The script never prints a credential: it does not trace (set -x is turned
# off), reads PGCLOUD_ACCESS_KEY only to check that it is set, and passes
# secrets to terraform only through the environment, never on a command line.
{ set +x; } 2>/dev/null
set -euo pipefail

usage() {
  echo "usage: $0 plan|apply" >&2
  exit 1
}
[ $# -eq 1 ] || usage
mode=$1
case "$mode" in plan | apply) ;; *) usage ;; esac

terraform=${TERRAFORM:-terraform}
plan_file=${PLAN_FILE:-tfplan}
cd "${TF_DIR:-.}"

export TF_IN_AUTOMATION=1 # no "run terraform apply next" hints meant for people
export CHECKPOINT_DISABLE=1

# Colors only for a person watching a terminal; CI logs get plain text.
# (${color[@]+...}: an empty array is "unbound" to set -u in bash < 4.4.)
color=()
[ -t 1 ] || color=(-no-color)

fail() {
  echo "pipeline: $*" >&2
  exit 1
}
command -v "$terraform" >/dev/null 2>&1 || fail "terraform ($terraform) is not on PATH"
[ -n "${PGCLOUD_ENDPOINT:-}" ] || fail "PGCLOUD_ENDPOINT is not set: set it to the platform's URL"
[ -n "${PGCLOUD_ACCESS_KEY:-}" ] || fail "PGCLOUD_ACCESS_KEY is not set: set it from the CI's secret store"

# init is needed on every fresh runner; on a warm one it only checks. The
# lock file (.terraform.lock.hcl, committed) pins the provider's checksums.
"$terraform" init -input=false ${color[@]+"${color[@]}"} || fail "terraform init failed"

case "$mode" in
plan)
  rm -f "$plan_file"
  # -detailed-exitcode: 0 no changes, 1 error, 2 changes. Under set -e a
  # nonzero status would end the script here, so catch it.
  code=0
  "$terraform" plan -input=false -lock-timeout=5m -detailed-exitcode -out="$plan_file" ${color[@]+"${color[@]}"} || code=$?
  case "$code" in
  0)
    echo
    echo "pipeline: no changes; $plan_file applies nothing"
    exit 0
    ;;
  2)
    echo
    echo "pipeline: summary of $plan_file (apply it with: $0 apply)"
    # Addresses and actions only: values are in the plan above, with every
    # sensitive or write-only one hidden by Terraform.
    "$terraform" show -no-color "$plan_file" | grep -E '^  # |^Plan: |^Changes to Outputs' || true
    exit 2
    ;;
  *)
    rm -f "$plan_file"
    fail "terraform plan failed (exit $code); nothing to apply"
    ;;
  esac
  ;;
apply)
  [ -f "$plan_file" ] || fail "no saved plan $plan_file: run '$0 plan' first (or download the plan job's artifact)"
  "$terraform" apply -input=false -lock-timeout=5m ${color[@]+"${color[@]}"} "$plan_file" ||
    fail "terraform apply failed; run '$0 plan' again to see what is left to do"
  ;;
esac
