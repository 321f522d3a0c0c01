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

# SQL injection, the quality gate and gap analysis (issue 4): plant an injectable query in the
# copy, scan it, then let the gates and the gap report say what is missing.
cat > inventory/search.py <<'PY'
def search(conn, term):
    sql = "SELECT sku, name FROM items WHERE name LIKE '%" + term + "%'"
    return conn.execute(sql).fetchall()
PY
step br security scan inventory --no-secrets || true
step br quality check --gate security --gate coverage || true
step br gaps analyze || true

printf '\nDemo finished in %s\n' "$demo"
