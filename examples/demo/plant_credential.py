"""Write a settings module holding a freshly generated Anthropic-style API key.

The demo's `deploy-settings` task runs this to play an agent that pastes a credential into the
code, so that br's security gate has something to block. The key is random, made at run time
(it is not a real key and this repository never holds one), and it is never printed.

Usage: python3 demo/plant_credential.py inventory/deploy_settings.py
"""

from __future__ import annotations

import secrets
import string
import sys
from pathlib import Path

ALPHABET = string.ascii_letters + string.digits + "-_"
PLACEHOLDER_WORDS = ("test", "fake", "demo", "your", "mock", "xxxx", "example", "sample", "dummy")


def make_key() -> str:
    """A well-formed, random ``sk-ant-api03-`` key (no placeholder word in it by chance)."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(93))
        if not any(word in body.lower() for word in PLACEHOLDER_WORDS):
            return f"sk-ant-api03-{body}AA"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: plant_credential.py PATH", file=sys.stderr)
        return 2
    target = Path(argv[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        '"""Settings of the production deployment."""\n\n'
        f'ANTHROPIC_API_KEY = "{make_key()}"\n'
        'REGION = "eu-west-1"\n',
        encoding="utf-8",
    )
    print(f"wrote {target} (an API key and a region)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
