from __future__ import annotations

import pytest

from tests.security.secrets.rulecases import RuleCase, check_case
from tests.security.tokens import ALNUM, HEX, URLSAFE, Tokens

t = Tokens(101)

CASES = [
    RuleCase(
        "anthropic-api-key",
        [
            f"ANTHROPIC_API_KEY={t.anthropic()}",
            f'client = Anthropic(api_key="{t.anthropic()}")',
            f"<key>{t.anthropic()}</key>",
            f"  anthropic: '{t.anthropic()}'",
        ],
        [
            "ANTHROPIC_API_KEY=sk-ant-api03-your-key-here",
            f"sk-ant-api03-{t.rand(20, URLSAFE)}",  # too short
            "sk-ant-api03-" + "x" * 93 + "AA",
            f"xsk-ant-api03-{t.rand(93, URLSAFE)}AA"[1:].replace("sk-ant", "sk-ent"),
        ],
    ),
    RuleCase(
        "anthropic-admin-key",
        [f"ADMIN={t.anthropic_admin()}", f'"admin_key": "{t.anthropic_admin()}"'],
        ["sk-ant-admin01-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"],
    ),
    RuleCase(
        "anthropic-oauth-token",
        [f"CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-{t.rand(95, URLSAFE)}"],
        ["sk-ant-oat01-${CLAUDE_TOKEN}"],
    ),
    RuleCase(
        "openai-project-key",
        [f"OPENAI_API_KEY={t.openai_project()}", f'key: "{t.openai_project()}"'],
        ["OPENAI_API_KEY=sk-proj-...", "sk-proj-" + "a" * 80],
    ),
    RuleCase(
        "openai-service-account-key",
        [f"sk-svcacct-{t.rand(74, URLSAFE)}T3BlbkFJ{t.rand(74, URLSAFE)}"],
        ["sk-svcacct-<your-service-account-key>"],
    ),
    RuleCase(
        "openai-admin-key",
        [f"OPENAI_ADMIN_KEY=sk-admin-{t.rand(58, URLSAFE)}T3BlbkFJ{t.rand(58, URLSAFE)}"],
        ["sk-admin-placeholder"],
    ),
    RuleCase(
        "openai-api-key",
        [f"openai.api_key = '{t.openai_legacy()}'", f"sk-None-{t.rand(20)}T3BlbkFJ{t.rand(20)}"],
        [f"sk-{t.rand(48)}", "T3BlbkFJ alone is not a key"],
        path="app.py",
    ),
    RuleCase(
        "openrouter-api-key",
        [f"OPENROUTER_API_KEY=sk-or-v1-{t.rand(64, HEX)}"],
        [f"sk-or-v1-{t.rand(40, HEX)}", "sk-or-v1-" + "0" * 64],
    ),
    RuleCase(
        "huggingface-access-token",
        [f"HF_TOKEN={t.huggingface()}", f"login(token='{t.huggingface()}')"],
        ["HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "hf_hub_download(repo_id='x')"],
    ),
    RuleCase(
        "huggingface-organization-token",
        [f"api_org_{t.rand(34)}"],
        ["api_org_id = 12"],
    ),
    RuleCase("groq-api-key", [f"GROQ_API_KEY=gsk_{t.rand(52)}"], ["gsk_short"]),
    RuleCase("replicate-api-token", [f"REPLICATE_API_TOKEN=r8_{t.rand(37)}"], ["r8_abc"]),
    RuleCase("perplexity-api-key", [f"pplx-{t.rand(48)}"], ["pplx-api docs"]),
    RuleCase("xai-api-key", [f"XAI_API_KEY=xai-{t.rand(80)}"], ["xai-sdk==1.0"]),
    RuleCase(
        "langsmith-api-key",
        [f"LANGSMITH_API_KEY=lsv2_pt_{t.rand(32, HEX)}_{t.rand(10, HEX)}"],
        ["lsv2_pt_your_key"],
    ),
    RuleCase("apify-api-token", [f"APIFY_TOKEN=apify_api_{t.rand(36, ALNUM)}"], ["apify_api_"]),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_table(case: RuleCase) -> None:
    check_case(case)
