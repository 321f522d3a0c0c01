"""Attribute names: OpenTelemetry GenAI semantic conventions plus `br`'s own ``br.*`` namespace.

The GenAI conventions are still "Development" status and moved repository in 2026, and the
constants shipped by ``opentelemetry-semantic-conventions`` are deprecated or renamed, so `br`
declares the names it uses here, once. :data:`SEMCONV_VERSION` names the version of the
conventions the export mapping follows; bump it when the mapping changes.

Token counts: ``gen_ai.usage.input_tokens`` *includes* cached tokens (unlike Anthropic's raw
``input_tokens``); the cache counters are subsets of it. There is no cost attribute in the
conventions: `br` uses ``br.cost.usd``.
"""

from __future__ import annotations

SEMCONV_VERSION = "1.37"
"""The GenAI semantic-conventions version the OTLP mapping follows (``gen_ai.provider.name``)."""

# ---------------------------------------------------------------- GenAI (OpenTelemetry)
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature"
GEN_AI_REQUEST_STREAM = "gen_ai.request.stream"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_RESPONSE_ID = "gen_ai.response.id"
GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
GEN_AI_AGENT_NAME = "gen_ai.agent.name"
GEN_AI_AGENT_ID = "gen_ai.agent.id"
GEN_AI_TOOL_NAME = "gen_ai.tool.name"
GEN_AI_TOKEN_TYPE = "gen_ai.token.type"  # noqa: S105 - an attribute name
ERROR_TYPE = "error.type"
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"

# ---------------------------------------------------------------- br's own namespace
BR_EVENT_ID = "br.event.id"
BR_EVENT_TYPE = "br.event.type"
BR_SESSION_ID = "br.session.id"
BR_TASK_ID = "br.task.id"
BR_TASK_TYPE = "br.task.type"
BR_COST_USD = "br.cost.usd"
BR_STATUS = "br.status"
BR_SEVERITY = "br.severity"
BR_DURATION_MS = "br.duration_ms"

# ---------------------------------------------------------------- metric instruments
METRIC_TOKEN_USAGE = "gen_ai.client.token.usage"  # noqa: S105 - a metric name
METRIC_OPERATION_DURATION = "gen_ai.client.operation.duration"
METRIC_TASK_DURATION = "br.task.duration"

TOKEN_BUCKETS: tuple[float, ...] = tuple(float(4**n) for n in range(14))
"""Advised buckets of ``gen_ai.client.token.usage``: powers of 4 from 1 to 67,108,864."""
DURATION_BUCKETS: tuple[float, ...] = tuple(round(0.01 * 2**n, 2) for n in range(14))
"""Advised buckets of ``gen_ai.client.operation.duration`` in seconds: 0.01 doubling to 81.92."""
TASK_DURATION_BUCKETS: tuple[float, ...] = (
    1.0,
    5.0,
    15.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    1200.0,
    1800.0,
    3600.0,
    7200.0,
    14400.0,
)
"""Buckets of `br`'s task-duration histogram in seconds: tasks last minutes to hours."""
