#!/usr/bin/env bash
# `make demo`: br on a small example project, fully offline. Needs Python 3.11+ and git.
#
# 1. copies examples/ into a fresh git repository (build/demo, or $DEMO_DIR);
# 2. starts the stand-ins: br's fake Anthropic API on 127.0.0.1 (scripted to answer 529
#    overloaded for claude-opus-5-5) and a `claude` that runs buildrunner.testing.fake_claude;
# 3. runs the main job, `br run demo/plan.toml`: eight tasks (Claude Code sessions, API calls
#    through the router, shell commands), one of which pastes an API key the security gate
#    blocks, one of which falls back from opus, two of which wait for each other's file;
# 4. shows what telemetry recorded and where the HTML report is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
demo=${DEMO_DIR:-$root/build/demo}

step() {
  local shown="" arg
  for arg in "$@"; do
    case "$arg" in *[[:space:]]*) shown+=" \"$arg\"" ;; *) shown+=" $arg" ;; esac
  done
  printf '\n\033[1m$%s\033[0m\n' "$shown"
  "$@"
}
say() { printf '\n\033[2m# %s\033[0m\n' "$*"; }

say "the example project, as a fresh git repository in $demo"
rm -rf "$demo"
mkdir -p "$demo"
cp -R "$root/examples/." "$demo/"
cd "$demo"
git init -q -b main
git add -A
git -c user.name="BuildRunner demo" -c user.email="demo@example.invalid" commit -q -m "example project"
step br init
step br security scan

say "stand-ins for the Anthropic API (127.0.0.1 only) and for the claude CLI"
run_dir=$(mktemp -d)
python -m buildrunner.testing.fake_anthropic --script demo/fake-api.json \
  --reply "(offline demo) This answer comes from br's local stand-in for the Anthropic API." \
  >"$run_dir/fake-api.url" &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null || true; rm -rf "$run_dir"' EXIT
for _ in $(seq 100); do [ -s "$run_dir/fake-api.url" ] && break; sleep 0.1; done
url=$(head -n 1 "$run_dir/fake-api.url")
printf '#!/bin/sh\nexec python -m buildrunner.testing.fake_claude "$@"\n' >"$run_dir/claude"
chmod +x "$run_dir/claude"
export PATH="$run_dir:$PATH" BR_ROUTING_BASE_URL="$url" ANTHROPIC_BASE_URL="$url"
export ANTHROPIC_API_KEY="offline-demo-key" FAKE_CLAUDE_TURN_DELAY=0.5
echo "fake Anthropic API at $url; claude is $(command -v claude)"

say "the main job: every task in its own worktree, models chosen, costs and gate recorded"
status=0
step br run demo/plan.toml || status=$?
say "br run exited $status: 1 means a task did not merge (here: the pasted API key, blocked)"

say "routing: why the threat model is critical, and what the run cost"
step br routing estimate "Write a short threat model of the inventory service: untrusted input, SQL injection, leaked credentials."
step br routing costs

say "security: the blocked task's worktree still holds the key; br shows it masked"
session=$(br parallel list --format json | python -c 'import json, sys; print(json.load(sys.stdin)["sessions"][0]["id"])')
step br security scan ".buildrunner/worktrees/$session/deploy-settings/inventory" || true
step br quality check || true
step br gaps analyze || true

say "telemetry: what every subsystem recorded"
step br telemetry summary --since 1h
step br telemetry events --type security.finding --type routing.fallback --since 1h
step br telemetry alerts --no-evaluate

report=$(ls -t .buildrunner/reports/run-*.html | head -n 1)
printf '\nDemo finished: the project is %s, the HTML report %s\n' "$demo" "$demo/$report"
printf 'Against the real services: set ANTHROPIC_API_KEY, install Claude Code, then in a git\n'
printf 'repository holding a copy of examples/: br init && br run demo/plan.toml\n'
