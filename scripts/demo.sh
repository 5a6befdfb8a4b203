#!/usr/bin/env bash
# make demo: build everything, start pgcloud-server on a free port with a fresh data
# directory under .demo/, apply examples/quickstart with the real terraform, print
# what it made, and stop the server again.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v terraform >/dev/null 2>&1 || { echo "demo: terraform is not on PATH (install Terraform >= 1.11)" >&2; exit 1; }

demo_dir=.demo
rm -rf "$demo_dir"
mkdir -p "$demo_dir/data"

echo "==> building the provider and the server"
make --no-print-directory install >/dev/null

echo "==> starting pgcloud-server"
bin/pgcloud-server serve --listen 127.0.0.1:0 --data-dir "$demo_dir/data" \
  --addr-file "$demo_dir/addr" >"$demo_dir/server.log" 2>&1 &
server_pid=$!
stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    echo "==> pgcloud-server stopped (log: $demo_dir/server.log)"
  fi
}
trap stop_server EXIT

for _ in $(seq 1 100); do
  [ -s "$demo_dir/addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$demo_dir/server.log" >&2; echo "demo: the server exited" >&2; exit 1; }
  sleep 0.1
done
[ -s "$demo_dir/addr" ] || { echo "demo: the server did not start listening within 10s" >&2; exit 1; }

export PGCLOUD_ENDPOINT="http://$(cat "$demo_dir/addr")"
export PGCLOUD_ACCESS_KEY
PGCLOUD_ACCESS_KEY="$(cat "$demo_dir/data/bootstrap-access-key")"
echo "    listening on $PGCLOUD_ENDPOINT (bootstrap key in $demo_dir/data/bootstrap-access-key)"

# Work on a copy so the example folder never collects state or lock files.
cp -r examples/quickstart "$demo_dir/quickstart"
cd "$demo_dir/quickstart"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
# A TF_CLI_CONFIG_FILE naming a missing file only makes terraform warn on every command.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -e "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi

echo "==> terraform init"
terraform init -input=false -no-color >/dev/null
echo "==> terraform apply"
terraform apply -input=false -auto-approve -no-color
echo "==> what terraform made"
terraform state list -no-color
echo "==> the same machine users, as the API lists them"
curl -fsS -H "Authorization: Bearer $PGCLOUD_ACCESS_KEY" \
  "$PGCLOUD_ENDPOINT/api/v1/organizations/$(terraform output -raw organization_id)/machine-users" |
  grep -o '"username":"[^"]*"' | sed 's/^/    /'
echo "==> a second plan changes nothing"
terraform plan -input=false -detailed-exitcode -no-color >/dev/null && echo "    no changes"
