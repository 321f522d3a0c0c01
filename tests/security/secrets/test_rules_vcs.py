from __future__ import annotations

import pytest

from buildrunner.security.secrets.rules._build import base62_crc32_valid
from tests.security.secrets.rulecases import RuleCase, check_case
from tests.security.tokens import ALNUM, HEX, URLSAFE, Tokens

t = Tokens(303)

CASES = [
    RuleCase(
        "github-personal-access-token",
        [
            f"GITHUB_TOKEN={t.github()}",
            f"https://x-access-token:{t.github()}@github.com/acme/repo.git",
            f"Authorization: token {t.github()}",
            f"ghp_{t.rand(36)}",  # random checksum: still reported (lower confidence)
        ],
        ["GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghp_short", "myghp_x"],
    ),
    RuleCase(
        "github-fine-grained-token",
        [f"token: {t.github_fine_grained()}"],
        ["github_pat_11ABCDEFG_example"],
    ),
    RuleCase("github-oauth-token", [f"gho_token = {t.github('gho_')}"], ["gho_"]),
    RuleCase("github-user-to-server-token", [t.github("ghu_")], ["ghu_abc"]),
    RuleCase("github-server-to-server-token", [f"GH_TOKEN={t.github('ghs_')}"], ["ghs_1"]),
    RuleCase("github-refresh-token", [f"refresh={t.github('ghr_')}"], ["ghr_x"]),
    RuleCase(
        "gitlab-personal-access-token",
        [f"GITLAB_TOKEN={t.gitlab()}", f"glpat-{t.rand(27, URLSAFE)}.01.{t.rand(9, HEX)}"],
        ["glpat-xxxxxxxxxxxxxxxxxxxx", "glpat-short"],
    ),
    RuleCase("gitlab-pipeline-trigger-token", [f"glptt-{t.rand(40, HEX)}"], ["glptt-123"]),
    RuleCase("gitlab-runner-token", [f'token = "glrt-{t.rand(20, URLSAFE)}"'], ["glrt-"]),
    RuleCase("gitlab-deploy-token", [f"gldt-{t.rand(20, URLSAFE)}"], ["gldt-abc"]),
    RuleCase("gitlab-feed-token", [f"glft-{t.rand(20, URLSAFE)}"], ["glft-abc"]),
    RuleCase("gitlab-oauth-app-secret", [f"gloas-{t.rand(64, HEX)}"], ["gloas-12"]),
    RuleCase("gitlab-agent-token", [f"glagent-{t.rand(50, URLSAFE)}"], ["glagent-1"]),
    RuleCase("gitlab-ci-job-token", [f"glcbt-{t.rand(24, URLSAFE)}"], ["glcbt-1"]),
    RuleCase("bitbucket-app-password", [f"BITBUCKET_APP_PASSWORD=ATBB{t.rand(32)}"], ["ATBB"]),
    RuleCase("atlassian-api-token", [f"JIRA_API_TOKEN=ATATT3{t.rand(180, URLSAFE)}"], ["ATATT3x"]),
    RuleCase(
        "npm-access-token",
        [f"//registry.npmjs.org/:_authToken={t.npm()}"],
        ["//registry.npmjs.org/:_authToken=${NPM_TOKEN}", "npm_config_cache=/tmp/x"],
        path=".npmrc",
    ),
    RuleCase(
        "npmrc-auth-token",
        [f"//npm.pkg.github.com/:_authToken={t.rand(40, ALNUM)}"],
        ["//npm.pkg.github.com/:_authToken=${GH_PACKAGES_TOKEN}"],
        path=".npmrc",
    ),
    RuleCase(
        "pypi-upload-token",
        [f"password = {t.pypi()}", f"TWINE_PASSWORD={t.pypi()}"],
        ["password = ${PYPI_TOKEN}", "username = __token__"],
        path=".pypirc",
    ),
    RuleCase("rubygems-api-key", [f":rubygems_api_key: rubygems_{t.rand(48, HEX)}"], ["rubygems_"]),
    RuleCase(
        "nuget-api-key",
        [f"NUGET_API_KEY=oy2{t.rand(43, 'abcdefghijklmnopqrstuvwxyz0123456789')}"],
        ["oy2abc"],
    ),
    RuleCase("crates-io-token", [f"CARGO_REGISTRY_TOKEN=cio{t.generic(32)}"], ["precious metals"]),
    RuleCase(
        "docker-hub-token", [f"DOCKERHUB_TOKEN=dckr_pat_{t.rand(27, URLSAFE)}"], ["dckr_pat_"]
    ),
    RuleCase("jfrog-api-key", [f"ARTIFACTORY_API_KEY=AKCp{t.rand(69)}"], ["AKCp8"]),
    RuleCase("sonarqube-token", [f"SONAR_TOKEN=sqp_{t.rand(40, HEX)}"], ["sqp_"]),
    RuleCase(
        "circleci-personal-token",
        [f"CIRCLE_TOKEN=CCIPAT_{t.rand(22)}_{t.rand(40, HEX)}"],
        ["CCIPAT_"],
    ),
    RuleCase(
        "clojars-deploy-token",
        [f"CLOJARS_{t.rand(60, 'abcdefghijklmnopqrstuvwxyz0123456789')}"],
        ["CLOJARS_USERNAME=x"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_table(case: RuleCase) -> None:
    check_case(case)


def test_github_checksum_raises_confidence() -> None:
    from buildrunner.security.scanner import scan_bytes

    valid = t.github()
    assert base62_crc32_valid(valid)
    invalid = valid[:-1] + ("A" if valid[-1] != "A" else "B")
    assert not base62_crc32_valid(invalid)
    report = scan_bytes(f"{valid}\n{invalid}\n".encode())
    assert [(f.line, f.confidence) for f in report.findings] == [(1, "high"), (2, "medium")]
