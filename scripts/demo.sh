#!/usr/bin/env bash
# `make demo`: copy examples/ into a fresh git repository and run br on it, fully offline.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$root/build/demo}

rm -rf "$demo"
mkdir -p "$demo"
cp -R "$root/examples/." "$demo/"
cd "$demo"
git init -q
git add -A
git -c user.name="BuildRunner demo" -c user.email="demo@example.invalid" commit -q -m "example project"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step br --version
step br init
step br config show
step br security scan
step br security hooks install

printf '\nDemo finished in %s\n' "$demo"
