"""Messaging and e-mail: Slack, Discord, Telegram, Microsoft Teams, Twilio, SendGrid, Mailgun."""

from __future__ import annotations

from buildrunner.security.secrets.rule import SecretRule
from buildrunner.security.secrets.rules._build import ASSIGN, RIGHT_URLSAFE, provider


def _has_digit_and_letter(value: str) -> bool:
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


RULES: tuple[SecretRule, ...] = (
    provider(
        "slack-bot-token",
        "Slack bot token",
        r"xoxb-",
        r"(?:[0-9]{8,13}-){1,3}[A-Za-z0-9]{20,34}",
        ("xoxb-",),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "slack-user-token",
        "Slack user token",
        r"xox[pe]-",
        r"(?:[0-9]{8,13}-){2,3}[A-Za-z0-9]{28,34}",
        ("xoxp-", "xoxe-"),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "slack-app-token",
        "Slack app-level token",
        r"xapp-",
        r"\d-[A-Z0-9]{9,12}-\d{10,13}-[a-z0-9]{60,70}",
        ("xapp-",),
        severity="high",
        entropy=3.0,
    ),
    provider(
        "slack-config-token",
        "Slack configuration token",
        r"xoxe\.xox[bp]-",
        r"\d-[A-Za-z0-9]{150,170}",
        ("xoxe.xox",),
        severity="high",
        entropy=3.5,
    ),
    provider(
        "slack-legacy-token",
        "Slack legacy token",
        r"xox[aors]-",
        r"(?:\d+-){1,3}[A-Za-z0-9]{24,64}",
        ("xoxa-", "xoxo-", "xoxr-", "xoxs-"),
        severity="high",
        entropy=3.0,
    ),
    SecretRule(
        id="slack-webhook-url",
        title="Slack incoming webhook URL",
        keywords=("hooks.slack.com",),
        pattern=r"hooks\.slack\.com/(?:services|workflows|triggers)/"
        r"(?P<secret>(?P<body>[A-Za-z0-9+/_-]{30,120}))(?![A-Za-z0-9+/_-])",
        severity="high",
        entropy=3.5,
        description="A Slack webhook: anyone holding the URL can post to the channel.",
    ),
    SecretRule(
        id="discord-bot-token",
        title="Discord bot token",
        keywords=("discord", "bot", "token", "login(", "client.run("),
        pattern=r"(?<![A-Za-z0-9_.-])(?P<secret>[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}"
        r"\.[A-Za-z0-9_-]{27,40})(?![A-Za-z0-9_.-])",
        severity="high",
        entropy=4.0,
        check=_has_digit_and_letter,
    ),
    SecretRule(
        id="discord-webhook-url",
        title="Discord webhook URL",
        keywords=("/api/webhooks/",),
        pattern=r"discord(?:app)?\.com/api/webhooks/\d{15,22}/(?P<secret>[A-Za-z0-9_-]{60,72})"
        r"(?![A-Za-z0-9_-])",
        severity="high",
        entropy=3.5,
    ),
    SecretRule(
        id="telegram-bot-token",
        title="Telegram bot token",
        keywords=(":aa",),
        pattern=r"(?<![A-Za-z0-9_:])(?P<secret>\d{8,10}:AA(?P<body>[A-Za-z0-9_-]{33}))"
        r"(?![A-Za-z0-9_-])",
        severity="high",
        entropy=3.5,
    ),
    SecretRule(
        id="microsoft-teams-webhook-url",
        title="Microsoft Teams incoming webhook URL",
        keywords=("webhook.office.com", "outlook.office.com/webhook"),
        pattern=r"(?:webhook\.office\.com/webhookb2|outlook\.office\.com/webhook)/"
        r"(?P<secret>[A-Za-z0-9@/_-]{60,300})(?![A-Za-z0-9@/_-])",
        severity="high",
        entropy=3.5,
    ),
    provider(
        "twilio-api-key",
        "Twilio API key SID",
        r"SK",
        r"[0-9a-f]{32}",
        ("twilio", "sk"),
        severity="high",
        entropy=3.0,
        description="A Twilio API key (SK...); its secret is usually next to it.",
    ),
    SecretRule(
        id="twilio-auth-token",
        title="Twilio auth token or API secret",
        keywords=("twilio",),
        pattern=r"(?i:twilio)[A-Za-z0-9_.-]{0,30}?(?i:token|secret|auth)[A-Za-z0-9_.-]{0,20}?"
        + ASSIGN
        + r"(?P<secret>[A-Za-z0-9]{32})(?![A-Za-z0-9])",
        severity="high",
        entropy=3.0,
    ),
    provider(
        "sendgrid-api-key",
        "SendGrid API key",
        r"SG\.",
        r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
        ("sg.",),
        right=RIGHT_URLSAFE,
        severity="high",
        entropy=3.5,
    ),
    provider(
        "mailgun-api-key",
        "Mailgun API key",
        r"key-",
        r"[0-9a-f]{32}",
        ("key-",),
        severity="high",
        entropy=3.0,
    ),
    SecretRule(
        id="mailgun-private-key",
        title="Mailgun private API key",
        keywords=("mailgun", "mg_", "mg-"),
        pattern=r"(?<![A-Za-z0-9-])(?P<secret>[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})"
        r"(?![A-Za-z0-9-])",
        severity="high",
        entropy=3.0,
    ),
    provider(
        "mailchimp-api-key",
        "Mailchimp API key",
        r"",
        r"[0-9a-f]{32}-us\d{1,2}",
        ("-us",),
        severity="high",
        entropy=3.0,
    ),
)
