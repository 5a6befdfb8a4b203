#!/usr/bin/env bash
# make release-check: a broken release configuration fails CI, not release day.
#
# 1. `goreleaser check` on .goreleaser.yml as it is.
# 2. `goreleaser release --snapshot` of a copy of it narrowed to the host
#    platform (goreleaser's --single-target exists for `build` only, and
#    `build` makes no archives, checksums or manifest), without signing or
#    publishing: the same builds, archives and checksum file as a release,
#    for one platform, in a temporary directory.
# 3. The result is what the Terraform Registry and an operator expect: the
#    provider's zip and SHA256SUMS (the zip and the manifest, nothing else,
#    both matching); pgcloud-server's own archive, whose binary runs and
#    reports the snapshot's version.
#
# No network but the Go module proxy (for modules not in the module cache):
# goreleaser runs go and git, and a snapshot uploads nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# The goreleaser pinned in tools/goreleaser/go.mod (make passes the same).
goreleaser() { ${GORELEASER:-go tool -modfile=tools/goreleaser/go.mod goreleaser} "$@"; }
fail() {
  echo "release-check: $*" >&2
  exit 1
}

echo "==> goreleaser check"
goreleaser check

os=$(go env GOOS)
arch=$(go env GOARCH)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The copy builds every build of the configuration, for the host platform
# only. Each build lists its platforms on one line each (goos: [...] and
# goarch: [...]); the host must be one of them.
config=$work/goreleaser.yml
builds=$(grep -cE '^  - id: ' <(sed -n '/^builds:/,/^[a-z]/p' .goreleaser.yml))
goos_lines=$(grep -cE '^    goos: \[.*\]$' .goreleaser.yml || true)
goarch_lines=$(grep -cE '^    goarch: \[.*\]$' .goreleaser.yml || true)
[ "$builds" -gt 0 ] && [ "$goos_lines" = "$builds" ] && [ "$goarch_lines" = "$builds" ] ||
  fail "each of the $builds builds in .goreleaser.yml must list its platforms as 'goos: [...]' and 'goarch: [...]' on one line each (found $goos_lines and $goarch_lines), so that this check can narrow them to the host"
while IFS= read -r line; do
  [[ $line =~ [\[,\ ]$os[],] ]] || fail "the host's GOOS $os is not released ($line): run this check on a platform the release covers"
done < <(grep -E '^    goos: ' .goreleaser.yml)
while IFS= read -r line; do
  [[ $line =~ [\[,\ ]$arch[],] ]] || fail "the host's GOARCH $arch is not released ($line): run this check on a platform the release covers"
done < <(grep -E '^    goarch: ' .goreleaser.yml)
sed -E -e "s/^    goos: \[.*\]$/    goos: [$os]/" -e "s/^    goarch: \[.*\]$/    goarch: [$arch]/" .goreleaser.yml >"$config"
printf '\ndist: %s\n' "$work/dist" >>"$config"

echo "==> goreleaser release --snapshot for $os/$arch"
goreleaser release --snapshot --clean --skip=sign,publish --config "$config"

dist=$work/dist
# metadata.json is one line of JSON with one "version" key.
version=$(sed -nE 's/.*"version": *"([^"]*)".*/\1/p' "$dist/metadata.json")
[ -n "$version" ] && [ "$version" != null ] || fail "no version in $dist/metadata.json"
echo "==> checking the artifacts of snapshot $version"
cd "$dist"

provider_zip=terraform-provider-pgcloud_${version}_${os}_${arch}.zip
sums=terraform-provider-pgcloud_${version}_SHA256SUMS
manifest=terraform-provider-pgcloud_${version}_manifest.json
server_archive=pgcloud-server_${version}_${os}_${arch}.tar.gz
for f in "$provider_zip" "$sums" "$server_archive"; do
  [ -f "$f" ] || fail "missing $f; dist has: $(ls | tr '\n' ' ')"
done

# Nothing but the host's artifacts: the narrowing worked.
archives=$(ls -- *.zip *.tar.gz 2>/dev/null | sort | tr '\n' ' ')
[ "$archives" = "$server_archive $provider_zip " ] || [ "$archives" = "$provider_zip $server_archive " ] ||
  fail "want exactly $provider_zip and $server_archive, got: $archives"

# The Registry's layout: the zip holds terraform-provider-pgcloud_v<version>.
# (Listed to a file first: grep -q stopping early could kill unzip with
# SIGPIPE, which pipefail would count as a failure.)
unzip -Z1 "$provider_zip" >"$work/zip-list"
grep -qx "terraform-provider-pgcloud_v${version}" "$work/zip-list" ||
  fail "$provider_zip does not hold terraform-provider-pgcloud_v${version}: $(tr '\n' ' ' <"$work/zip-list")"
# SHA256SUMS lists the provider's zip and manifest, nothing else, and they match.
listed=$(awk '{print $2}' "$sums" | sort | tr '\n' ' ')
[ "$listed" = "$provider_zip $manifest " ] || fail "$sums lists: $listed (want $provider_zip $manifest)"
grep " $provider_zip\$" "$sums" | sha256sum --quiet -c - || fail "$sums does not match $provider_zip"
# The manifest is uploaded at publish time from terraform-registry-manifest.json.
want=$(sha256sum <"$root/terraform-registry-manifest.json" | awk '{print $1}')
got=$(awk -v f="$manifest" '$2 == f {print $1}' "$sums")
[ "$got" = "$want" ] || fail "$sums has $got for $manifest, but terraform-registry-manifest.json is $want"

# pgcloud-server's archive: the binary, which runs and knows its version.
tar -xzf "$server_archive" -C "$work" pgcloud-server || fail "$server_archive holds no pgcloud-server"
if [ "$os" = "$(uname -s | tr '[:upper:]' '[:lower:]')" ]; then
  got=$("$work/pgcloud-server" version)
  [ "$got" = "$version" ] || fail "pgcloud-server version says $got, want $version"
fi
echo "release-check: ok ($provider_zip, $sums, $server_archive)"
