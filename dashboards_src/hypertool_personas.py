"""Hypertool personas: token usage against each persona's budget, persona switching, Langfuse tracing."""
from obsgate.dashboards import (Series, counter_panel, dashboard, rate, ratio, thresholds, timeseries, value,
                                variable)

from catalog.hypertool import LANGFUSE_TRACES, PERSONA_SWITCHES, TOKEN_BUDGET_REMAINING, TOKENS_USED

PERSONA = {"persona": "$persona"}

BUDGET = timeseries(
    "Token budget remaining", value(TOKEN_BUDGET_REMAINING, by=("persona",), match=PERSONA),
    description="Tokens left in each persona's budget for the current period. Below zero (red) the persona is "
                "spending unbudgeted tokens and TokenBudgetExceeded pages.",
    steps=thresholds((0, "green"), base="red"), w=12,
)
USAGE = timeseries(
    "Token usage by persona", rate(TOKENS_USED, by=("persona",), match=PERSONA, legend="{{persona}}"),
    description="LLM tokens consumed per second by each persona, all chat modes and models together.",
    unit="short", stacked=True, w=12,
)
TIME_LEFT = timeseries(
    "Budget time left at current spend",
    ratio(value(TOKEN_BUDGET_REMAINING, by=("persona",), match=PERSONA),
          rate(TOKENS_USED, by=("persona",), match=PERSONA), unit="s", legend="{{persona}}",
          help="Budget remaining divided by the current token rate: how long until each persona's budget runs "
               "out if spending continues like this. Under an hour is what TokenBudgetDepletionPredicted warns of."),
    steps=thresholds((3600, "green"), base="orange"), min=0, w=12,
)
BY_MODEL = timeseries(
    "Token usage by model and chat mode", rate(TOKENS_USED, by=("model", "chatmode"), match=PERSONA),
    description="Tokens per second by model and chat mode; a jump for one model usually means a larger model was "
                "swapped in for a persona.",
    unit="short", stacked=True, w=12,
)
SWITCHES = counter_panel(
    PERSONA_SWITCHES, title="Persona switches", by=("from_persona", "to_persona"),
    legend_calcs=("mean", "max"),
    description="Persona switches per second by direction. A pair bouncing in both directions is an "
                "orchestration loop; above 2/s in total ExcessivePersonaSwitching fires.",
    steps=thresholds((2, "red")), w=12,
)
TRACES = rate(LANGFUSE_TRACES, by=())
TOKENS = rate(TOKENS_USED, by=())
TRACES_PER_TOKENS = timeseries(
    "Langfuse traces per 1k tokens",
    Series(f"1000 * ({TRACES.expr}) / ({TOKENS.expr})", legend="traces per 1k tokens", unit="short",
           help="Traces created in Langfuse per 1,000 tokens used. Zero while tokens are being used means the "
                "Langfuse integration is broken (LangfuseIntegrationFailing); no data means no tokens are used."),
    min=0, w=12,
)

BOARD = dashboard(
    "hypertool-personas", "Hypertool Personas: Token Usage vs Budget",
    [BUDGET, USAGE, TIME_LEFT, BY_MODEL, SWITCHES, TRACES_PER_TOKENS],
    description="Per-persona token spend against budget, persona switching and Langfuse tracing for Hypertool.",
    tags=("hypertool", "cost", "obsgate"),
    variables=(variable(TOKENS_USED, "persona"),),
)
