#!/usr/bin/env bash
# make demo: build everything, start pgcloud-server on a free port with a fresh data
# directory under .demo/ and a throwaway PostgreSQL registered as its cluster "demo",
# apply examples/quickstart with the real terraform, print what it made (and log in
# as the database user it created), and stop both again.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v terraform >/dev/null 2>&1 || { echo "demo: terraform is not on PATH (install Terraform >= 1.11)" >&2; exit 1; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] ||
  { echo "demo: the PostgreSQL server binaries are missing: install the Debian package postgresql-15" >&2; exit 1; }

demo_dir=.demo
rm -rf "$demo_dir"
# The server makes its data directory itself, private (0700); it refuses one
# that others can read.
mkdir -p "$demo_dir"

echo "==> building the provider and the server"
make --no-print-directory install >/dev/null

# initdb and postgres refuse to run as root: run them as the postgres OS user then.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
# PostgreSQL runs as the postgres OS user, which cannot enter a clone in a
# private home directory (/root is 0700): its files go to a private temporary
# directory under /tmp (which every user can enter) that user owns, removed
# when the demo ends.
pg_dir=$(mktemp -d /tmp/pgcloud-demo-postgres.XXXXXX)
server_pid=""
stop_all() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    echo "==> pgcloud-server stopped (log: $demo_dir/server.log)"
  fi
  if [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_postgres "$pg_bin/pg_ctl" stop -D "$pg_dir/data" -m fast >/dev/null 2>&1 || true
    cp "$pg_dir/postgres.log" "$demo_dir/postgres.log" 2>/dev/null || true
    echo "==> PostgreSQL stopped (log: $demo_dir/postgres.log)"
  fi
  rm -rf "$pg_dir"
}
trap stop_all EXIT

echo "==> starting a throwaway PostgreSQL"
pg_password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
printf '%s\n' "$pg_password" >"$pg_dir/pwfile"
[ "$(id -u)" = 0 ] && chown -R postgres: "$pg_dir"
chmod 700 "$pg_dir"
as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --pwfile "$pg_dir/pwfile" -E UTF8 --locale C \
  --auth-local trust --auth-host scram-sha-256 --no-sync >/dev/null
rm -f "$pg_dir/pwfile"
# A free port: one nothing answers on, below Linux's ephemeral range (32768
# and up), where the local ports of outgoing connections are taken, and may
# be taken between this check and PostgreSQL's bind: so a start that fails
# is tried again on another port, and the last failure shows PostgreSQL's log.
pg_started=""
for attempt in 1 2 3 4 5; do
  for _ in $(seq 1 50); do
    pg_port=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null || break
  done
  if as_postgres "$pg_bin/pg_ctl" start -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_dir" >/dev/null; then
    pg_started=1
    break
  fi
  echo "    PostgreSQL did not start on port $pg_port (attempt $attempt of 5)"
done
if [ -z "$pg_started" ]; then
  echo "demo: PostgreSQL did not start; its log:" >&2
  tail -n 20 "$pg_dir/postgres.log" >&2 || true
  exit 1
fi
echo "    listening on 127.0.0.1:$pg_port"

echo "==> starting pgcloud-server"
bin/pgcloud-server serve --listen 127.0.0.1:0 --data-dir "$demo_dir/data" \
  --addr-file "$demo_dir/addr" >"$demo_dir/server.log" 2>&1 &
server_pid=$!

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

echo "==> registering the PostgreSQL as cluster \"demo\" of project \"default\""
# Through the environment, the DSN stays out of the process list.
export TF_VAR_cluster_id
TF_VAR_cluster_id=$(PGCLOUD_CLUSTER_DSN="postgres://postgres:$pg_password@127.0.0.1:$pg_port/postgres?sslmode=disable" \
  bin/pgcloud-server admin --data-dir "$demo_dir/data" cluster add --project default --name demo)
echo "    cluster id $TF_VAR_cluster_id"
# The database user's password reaches the provider only as a write-only value.
export TF_VAR_app_user_password
TF_VAR_app_user_password="demo-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"

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
echo "==> logging in to PostgreSQL as the database user terraform created"
PGPASSWORD="$TF_VAR_app_user_password" psql -h 127.0.0.1 -p "$pg_port" -U "$(terraform output -raw app_user)" -d postgres \
  -Atc "select '    logged in as ' || current_user || ' on PostgreSQL ' || current_setting('server_version')"
echo "==> a second plan changes nothing"
terraform plan -input=false -detailed-exitcode -no-color >/dev/null && echo "    no changes"
