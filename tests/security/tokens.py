"""Credentials synthesised from their documented formats, so no real-looking secret is stored
in the repository. Every generator is deterministic for a given seed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import zlib

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
URLSAFE = ALNUM + "_-"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


class Tokens:
    """Generates fresh, well-formed credentials of every kind the rules know."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)

    def rand(self, n: int, alphabet: str = ALNUM) -> str:
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(n))
            lowered = value.lower()
            # Avoid bodies that happen to spell a placeholder word (they would be, and are,
            # treated as made up).
            if not any(w in lowered for w in ("test", "fake", "your", "demo", "mock", "xxxx")):
                return value

    def _crc_token(self, prefix: str, n: int = 30) -> str:
        payload = self.rand(n)
        number, check = zlib.crc32(payload.encode()), ""
        while number:
            number, rest = divmod(number, 62)
            check = B62[rest] + check
        return prefix + payload + check.rjust(6, "0")

    # AI providers
    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.rand(93, URLSAFE) + "AA"

    def anthropic_admin(self) -> str:
        return "sk-ant-admin01-" + self.rand(93, URLSAFE) + "AA"

    def openai_project(self) -> str:
        return "sk-proj-" + self.rand(74, URLSAFE) + "T3BlbkFJ" + self.rand(74, URLSAFE)

    def openai_legacy(self) -> str:
        return "sk-" + self.rand(20) + "T3BlbkFJ" + self.rand(20)

    def openrouter(self) -> str:
        return "sk-or-v1-" + self.rand(64, HEX)

    def huggingface(self) -> str:
        return "hf_" + self.rand(34, string.ascii_letters)

    # Cloud
    def aws_key_id(self) -> str:
        return "AKIA" + self.rand(16, string.ascii_uppercase + "234567")

    def aws_secret(self) -> str:
        return self.rand(40, B64)

    def google_api_key(self) -> str:
        return "AIza" + self.rand(35, URLSAFE)

    def azure_account_key(self) -> str:
        return base64.b64encode(self.rng.randbytes(64)).decode()

    def digitalocean(self) -> str:
        return "dop_v1_" + self.rand(64, HEX)

    def databricks(self) -> str:
        return "dapi" + self.rand(32, HEX)

    # Source hosting and registries
    def github(self, prefix: str = "ghp_") -> str:
        return self._crc_token(prefix)

    def github_fine_grained(self) -> str:
        return "github_pat_" + self.rand(22) + "_" + self.rand(59)

    def gitlab(self) -> str:
        return "glpat-" + self.rand(20, URLSAFE)

    def npm(self) -> str:
        return self._crc_token("npm_")

    def pypi(self) -> str:
        macaroon = b"\x02\x01\x08pypi.org\x02" + self.rng.randbytes(70)
        return "pypi-" + base64.urlsafe_b64encode(macaroon).decode().rstrip("=")

    # Messaging
    def slack_bot(self) -> str:
        digits = string.digits
        return f"xoxb-{self.rand(11, digits)}-{self.rand(13, digits)}-{self.rand(24)}"

    def slack_webhook(self) -> str:
        upper = string.ascii_uppercase + string.digits
        return (
            f"https://hooks.slack.com/services/T{self.rand(8, upper)}/B{self.rand(10, upper)}/"
            f"{self.rand(24)}"
        )

    def telegram(self) -> str:
        return f"{self.rand(10, string.digits)}:AA{self.rand(33, URLSAFE)}"

    def discord(self) -> str:
        user_id = "1" + self.rand(18, string.digits)
        first = base64.b64encode(user_id.encode()).decode().rstrip("=")
        return f"{first}.{self.rand(6, URLSAFE)}.{self.rand(38, URLSAFE)}"

    def sendgrid(self) -> str:
        return f"SG.{self.rand(22, URLSAFE)}.{self.rand(43, URLSAFE)}"

    def twilio_key(self) -> str:
        return "SK" + self.rand(32, HEX)

    def mailgun(self) -> str:
        return "key-" + self.rand(32, HEX)

    # Payments, SaaS
    def stripe(self, mode: str = "live") -> str:
        return f"sk_{mode}_" + self.rand(99)

    def shopify(self) -> str:
        return "shpat_" + self.rand(32, HEX)

    def datadog_api(self) -> str:
        return self.rand(32, HEX)

    def notion(self) -> str:
        return "ntn_" + self.rand(11, string.digits) + self.rand(35)

    # Shapes
    def jwt(self, claims: dict[str, object] | None = None) -> str:
        def part(data: dict[str, object]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).decode().rstrip("=")

        header = part({"alg": "HS256", "typ": "JWT"})
        body = part(claims or {"sub": self.rand(12), "iat": 1700000000, "role": "user"})
        signature = hmac.new(self.rng.randbytes(32), f"{header}.{body}".encode(), hashlib.sha256)
        sig = base64.urlsafe_b64encode(signature.digest()).decode().rstrip("=")
        return f"{header}.{body}.{sig}"

    def pem_body(self, lines: int = 12) -> list[str]:
        return [base64.b64encode(self.rng.randbytes(48)).decode() for _ in range(lines)]

    def pem(self, label: str = "RSA PRIVATE KEY", lines: int = 12) -> str:
        body = "\n".join(self.pem_body(lines))
        return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----"

    def password(self, n: int = 16) -> str:
        while True:
            value = self.rand(n, ALNUM + "!#%^*")
            if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
                return value

    def generic(self, n: int = 32) -> str:
        while True:
            value = self.rand(n)
            if any(c.isdigit() for c in value):
                return value
