from __future__ import annotations

import pytest

from buildrunner.core.redact import mask_secret, secret_hash


@pytest.mark.parametrize(
    ("secret", "masked"),
    [
        ("short", "********"),
        ("fifteen-chars-x", "********"),
        ("sixteen-chars-xy", "si…xy"),
        ("sk-ant-api03-" + "A" * 80 + "wxyz", "sk-a…wxyz"),
        ("0123456789abcdefghijklmnopqrstuv", "0123…stuv"),
    ],
)
def test_mask_secret(secret: str, masked: str) -> None:
    assert mask_secret(secret) == masked


def test_mask_never_reveals_more_than_eight_characters() -> None:
    for length in range(1, 200):
        secret = "".join(chr(0x41 + (i % 26)) for i in range(length))
        shown = mask_secret(secret).replace("…", "").replace("*", "")
        assert len(shown) <= min(8, length // 4)


def test_secret_hash_is_stable_and_not_the_secret() -> None:
    digest = secret_hash("hunter2-but-longer-than-16")
    assert digest == secret_hash("hunter2-but-longer-than-16")
    assert len(digest) == 64
    assert "hunter2" not in digest
