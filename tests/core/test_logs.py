from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from buildrunner.core.logs import configure_logging
from buildrunner.core.paths import ProjectPaths


@pytest.fixture
def reset_logger() -> Iterator[None]:
    yield
    logger = logging.getLogger("buildrunner")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    import buildrunner.core.logs as logs

    logs._configured = None


@pytest.mark.usefixtures("reset_logger")
def test_level_decides_what_reaches_the_file(project: ProjectPaths) -> None:
    configure_logging(project, "warning")
    log = logging.getLogger("buildrunner.test")
    log.info("quiet detail %d", 1)
    assert not project.log_file.exists()  # created only when something is written
    log.warning("loud problem %s", "here")
    configure_logging(project, "debug")
    log.debug("now visible")
    for handler in logging.getLogger("buildrunner").handlers:
        handler.flush()
    text = project.log_file.read_text(encoding="utf-8")
    assert "quiet detail" not in text
    assert "WARNING buildrunner.test: loud problem here" in text
    assert "DEBUG buildrunner.test: now visible" in text


@pytest.mark.usefixtures("reset_logger")
def test_config_log_level_reaches_the_logger(project: ProjectPaths, br) -> None:  # type: ignore[no-untyped-def]
    project.config_dir.mkdir()
    project.config_file.write_text('[core]\nlog_level = "debug"\n', encoding="utf-8")
    assert br("config", "show").exit_code == 0
    assert logging.getLogger("buildrunner").level == logging.DEBUG
