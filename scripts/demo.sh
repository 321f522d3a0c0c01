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

# Routing, offline: a local stand-in for the Anthropic API (127.0.0.1 only).
python -m buildrunner.testing.fake_anthropic --reply "Use a parameterised query." >"$demo/.fake-api" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$demo/.fake-api" ] && break; sleep 0.1; done
export BR_ROUTING_BASE_URL="$(head -n 1 "$demo/.fake-api")" ANTHROPIC_API_KEY="offline-demo"
step br routing models
step br routing estimate "SQL injection in the admin search, exploited in production. Fix it now."
step br routing select "Add pagination to GET /api/projects" --max-cost 0.02
step br routing ask "How do I stop the SQL injection in inventory/db.py?"
step br routing costs
step br routing budget show
step br telemetry events --limit 4
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

# Parallel orchestration, offline: a stand-in for `claude` first on PATH, the api task through
# the router to the fake API above; claims keep two tasks off the same file.
bin_dir=$(mktemp -d)
printf '#!/bin/sh\nexec python -m buildrunner.testing.fake_claude "$@"\n' >"$bin_dir/claude"
chmod +x "$bin_dir/claude"
cat >"$demo/.parallel-plan.toml" <<'PLAN'
[plan]
name = "demo"

[[tasks]]
id = "fix-sqli"
executor = "claude"
prompt = """Use a parameterised query in inventory/db.py.
APPEND inventory/db.py # query parameters are bound by the driver"""
claims = ["inventory/db.py"]
priority = 5

[[tasks]]
id = "db-notes"
executor = "claude"
prompt = "APPEND inventory/db.py # a second edit of the same file waits for the claim"
claims = ["inventory/db.py"]

[[tasks]]
id = "advice"
executor = "api"
prompt = "How should inventory/report.py escape user input?"
output = "notes/advice.md"

[[tasks]]
id = "tests"
command = "grep -q \"bound by the driver\" inventory/db.py"
depends_on = ["fix-sqli"]
PLAN
PATH="$bin_dir:$PATH" step br parallel start .parallel-plan.toml --workers 2 || true
step br parallel claims
step br parallel list

printf '\nDemo finished in %s\n' "$demo"
