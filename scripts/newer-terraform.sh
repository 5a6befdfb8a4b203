#!/usr/bin/env bash
# Prints the absolute path of the newest Terraform kept beside the repository
# for tests and docs of features newer than the one on PATH (the machines
# keep Terraform 1.15 in shared/tools/terraform-1.15/terraform next to their
# clones), or nothing when there is none. Looked for, in order: the directory
# PGCLOUD_TOOLS_DIR names, ../shared/tools beside this clone, and
# /work/shared/tools (where such machines keep it, for clones made elsewhere,
# e.g. by CI).
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in ${PGCLOUD_TOOLS_DIR:+"$PGCLOUD_TOOLS_DIR"} ../shared/tools /work/shared/tools; do
  found=$(ls "$dir"/terraform-*/terraform 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$found" ] && [ -x "$found" ]; then
    echo "$(cd "$(dirname "$found")" && pwd)/$(basename "$found")"
    exit 0
  fi
done
