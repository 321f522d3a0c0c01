from __future__ import annotations

from buildrunner.core.redact import mask_secret, redact_text
from buildrunner.security import mask_text
from buildrunner.security.masking import find_secret_spans
from tests.security.tokens import Tokens


def test_masks_every_secret_with_the_one_rule() -> None:
    t = Tokens(51)
    github, anthropic, password = t.github(), t.anthropic(), t.password(12)
    text = (
        f"error: push failed for https://x:{github}@github.com/acme/r.git\n"
        f"ANTHROPIC_API_KEY={anthropic} and DB_PASSWORD={password}\n"
    )
    masked = mask_text(text)
    assert github not in masked
    assert anthropic not in masked
    assert password not in masked
    assert mask_secret(github) in masked
    assert mask_secret(anthropic) in masked
    assert mask_secret(password) == "********"
    assert masked.startswith("error: push failed for https://x:")


def test_text_without_secrets_is_unchanged() -> None:
    text = "Traceback: KeyError('token') in handler, sha256 e3b0c442 café ☕\n"
    assert mask_text(text) == text
    assert mask_text("") == ""
    assert find_secret_spans("nothing here") == []


def test_positions_survive_non_ascii_text() -> None:
    t = Tokens(52)
    token = t.github()
    text = f"ünïcödé → {token} ←"
    assert mask_text(text) == f"ünïcödé → {mask_secret(token)} ←"


def test_core_redact_resolves_the_security_detector() -> None:
    token = Tokens(53).stripe()
    assert redact_text(f"stripe key {token}") == f"stripe key {mask_secret(token)}"


def test_private_key_is_masked_whole() -> None:
    key = Tokens(54).pem()
    masked = mask_text(f"config:\n{key}\nend")
    assert "-----BEGIN" not in masked
    assert masked.startswith("config:\n")
    assert masked.endswith("\nend")
    assert all(line not in masked for line in key.splitlines()[1:-1])


def test_stream_masking_keeps_private_keys_whole() -> None:
    from buildrunner.security.masking import mask_lines

    t = Tokens(55)
    key = t.pem()
    token = t.github()
    lines = ["start\n", *(line + "\n" for line in key.splitlines()), f"t={token}\n", "end"]
    out = list(mask_lines(lines))
    text = "".join(out)
    assert all(line not in text for line in key.splitlines()[1:-1])
    assert token not in text
    assert out[0] == "start\n"
    assert out[-1] == "end"
    assert len(out) == 4  # start, the key block, the token line, end
