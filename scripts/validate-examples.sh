#!/usr/bin/env bash
# make validate-examples: every Terraform configuration under examples/ passes
# `terraform validate` against the provider built from this tree.
#
# - The provider is built into a temporary filesystem mirror, and terraform
#   gets a private CLI configuration that installs pgcloud/pgcloud from there
#   only: no registry, no network, whatever ~/.terraformrc or
#   TF_CLI_CONFIG_FILE say.
# - examples/ is copied whole to a temporary directory (without .terraform
#   directories, lock files or state), so that modules called by a relative
#   path (../modules/...) resolve as they do in the repository, and nothing
#   terraform writes lands in the repository.
# - Every directory of the copy that holds *.tf files is validated on its own
#   (terraform init -backend=false, then terraform validate): the per-type
#   examples of the docs, examples/provider, examples/quickstart, modules and
#   any example added later, found rather than listed here.
# - The per-type examples of the docs have no required_providers block, and
#   terraform would look for hashicorp/pgcloud: where a directory has none, the
#   copy gets one that names pgcloud/pgcloud.
# - Each directory is validated with the terraform on PATH (the version the
#   README asks users for). One whose required_version that terraform does
#   not meet (examples/migrate needs 1.14 for terraform query) is validated
#   with a newer one: VALIDATE_TERRAFORM if set, else the newest of
#   Terraform in shared/tools (scripts/newer-terraform.sh, as make docs finds one).
#
# Usage: scripts/validate-examples.sh [DIR...]   (default: all of examples/)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v terraform >/dev/null 2>&1 || { echo "validate-examples: terraform is not on PATH (install Terraform >= 1.11)" >&2; exit 1; }
terraform=$(command -v terraform)
newer_terraform=${VALIDATE_TERRAFORM:-$(bash scripts/newer-terraform.sh)}
if [ -n "$newer_terraform" ]; then
  newer_terraform=$(cd "$(dirname "$newer_terraform")" && pwd)/$(basename "$newer_terraform")
fi

version=${VERSION:-0.1.0}
os=$(go env GOOS)
arch=$(go env GOARCH)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> building the provider (v$version) into a private filesystem mirror"
mirror=$work/mirror
go build -ldflags "-X main.version=$version" \
  -o "$mirror/registry.terraform.io/pgcloud/pgcloud/$version/${os}_$arch/terraform-provider-pgcloud_v$version" .

cat >"$work/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/pgcloud/pgcloud"]
  }
  direct {
    exclude = ["registry.terraform.io/pgcloud/pgcloud"]
  }
}
EOF
export TF_CLI_CONFIG_FILE=$work/terraformrc
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
unset TF_DATA_DIR TF_PLUGIN_CACHE_DIR TF_WORKSPACE

copy=$work/examples
mkdir -p "$copy"
tar -C examples --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='*.tfstate' --exclude='*.tfstate.*' -cf - . |
  tar -C "$copy" -xf -

if [ $# -gt 0 ]; then
  dirs=()
  for d in "$@"; do
    d=${d%/}
    d=${d#examples/}
    [ "$d" = examples ] && d=.
    dirs+=("$d")
  done
else
  mapfile -t dirs < <(cd "$copy" && find . -name '*.tf' -not -path '*/.terraform/*' -printf '%h\n' | sed 's|^\./||' | sort -u)
fi
[ ${#dirs[@]} -gt 0 ] || { echo "validate-examples: no *.tf under examples/" >&2; exit 1; }

# A resource's import-by-string-id.tf and import-by-identity.tf show two
# ways to import the same resource, which one configuration may not hold
# together: the identity form is validated in a copy of its own, without
# the other.
for d in "${dirs[@]}"; do
  if [ -e "$copy/$d/import-by-identity.tf" ]; then
    cp -r "$copy/$d" "$copy/$d.by-identity"
    rm -f "$copy/$d/import-by-identity.tf" "$copy/$d.by-identity/import-by-string-id.tf"
    touch "$copy/$d.by-identity/.by-identity"
    dirs+=("$d.by-identity")
  fi
done

failed=()
for d in "${dirs[@]}"; do
  dir=$copy/$d
  name=examples/$d
  [ "$d" = . ] && name=examples
  if ! compgen -G "$dir/*.tf" >/dev/null; then
    echo "FAIL $name: no *.tf files" >&2
    failed+=("$name")
    continue
  fi
  if ! grep -q 'required_providers' "$dir"/*.tf && grep -qE '(^|[^a-z_])pgcloud' "$dir"/*.tf; then
    cat >"$dir/zz_validate_examples_providers.tf" <<'EOF'
# Written by scripts/validate-examples.sh in its copy of the example only.
terraform {
  required_providers {
    pgcloud = {
      source = "pgcloud/pgcloud"
    }
  }
}
EOF
  fi
  # Blocks newer than the terraform on PATH knows: say which Terraform they
  # need, so that the newer terraform below validates this copy. Actions are
  # Terraform 1.14+, import blocks by identity 1.12+.
  needs=""
  if grep -qE '^action "' "$dir"/*.tf; then
    needs=1.14
  elif [ -e "$dir/.by-identity" ]; then
    needs=1.12
  fi
  if [ -n "$needs" ]; then
    cat >"$dir/zz_validate_examples_version.tf" <<EOF
# Written by scripts/validate-examples.sh in its copy of the example only.
terraform {
  required_version = ">= $needs"
}
EOF
  fi
  log=$work/log
  tf=$terraform
  initialized=true
  "$tf" -chdir="$dir" init -backend=false -no-color >"$log" 2>&1 || initialized=false
  if ! $initialized && grep -q 'Unsupported Terraform Core version' "$log" && [ -n "$newer_terraform" ]; then
    tf=$newer_terraform
    initialized=true
    rm -rf "$dir/.terraform" "$dir/.terraform.lock.hcl"
    "$tf" -chdir="$dir" init -backend=false -no-color >"$log" 2>&1 || initialized=false
  fi
  with=""
  if [ "$tf" != "$terraform" ]; then
    # The whole output, then its first line: a pipe into head could kill
    # terraform with SIGPIPE, which pipefail would count as a failure.
    tf_version=$("$tf" version)
    with=" (with ${tf_version%%$'\n'*}, as its required_version asks)"
  fi
  if ! $initialized; then
    echo "FAIL $name: terraform init$with" >&2
    sed 's/^/     /' "$log" >&2
    grep -q 'Unsupported Terraform Core version' "$log" && [ -z "$newer_terraform" ] &&
      echo "     set VALIDATE_TERRAFORM to a terraform that meets its required_version" >&2
    failed+=("$name")
  elif ! "$tf" -chdir="$dir" validate -no-color >"$log" 2>&1; then
    echo "FAIL $name: terraform validate$with" >&2
    sed 's/^/     /' "$log" >&2
    failed+=("$name")
  else
    echo "ok   $name$with"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "validate-examples: ${#failed[@]} of ${#dirs[@]} example directories do not validate: ${failed[*]}" >&2
  exit 1
fi
echo "validate-examples: ${#dirs[@]} example directories validate with the provider from $root"
