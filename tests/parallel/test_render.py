from __future__ import annotations

from rich.console import Console

from buildrunner.parallel.render import status_renderable
from tests.parallel.frames import fixed_snapshot


def test_status_frame_renders_the_snapshot() -> None:
    console = Console(record=True, width=120, color_system=None)
    console.print(status_renderable(fixed_snapshot()))
    text = console.export_text()
    lines = text.splitlines()
    assert lines[0] == (
        "Session 3f6c2a9e  refactor  running  2/4 settled  cost $0.1042  supervisor pid 4242"
    )
    assert lines[1] == "failed 1  merged 1  ready 1  running 1"
    assert (
        "│ api   │ running │ claude   │ claude-sonnet-4-6 │ 1/2     │ -       │ 1m30s │ "
        "turn 3: Edit src/api/views.py"
    ) in text
    assert "docs/**" in text
    assert "  error   lint: attempt 2: failed" in text
