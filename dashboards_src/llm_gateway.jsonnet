// LLM gateway (catalog/llm_gateway.py): request rate, errors, latency and tokens per provider and model.
local o = import 'obsgate.libsonnet';

local requests = 'llm_gateway_requests_total';
local errors = 'llm_gateway_errors_total';
local duration = 'llm_gateway_request_duration_seconds';
local model = { model: '$model' };

o.dashboard(
  'llm-gateway', 'LLM Gateway',
  'Requests, errors, latency and token throughput of the LLM gateway in front of Ollama.',
  ['llm-gateway', 'obsgate'],
  [
    o.stat('Request rate', 'Requests served per second, all outcomes.', 'reqps',
           o.target(o.rate(requests, [], model), 'requests/s')),
    o.stat('Error ratio', 'Share of requests that ended in an error. Yellow from 1%, red from 5%.',
           'percentunit',
           o.target('(%s) / (%s)' % [o.rate(requests, [], model { status: 'error' }), o.rate(requests, [], model)],
                    'errors'),
           steps=[[0.01, 'yellow'], [0.05, 'red']]),
    o.timeseries('Requests by status and endpoint', 'Requests per second by outcome and API endpoint.', 'reqps',
                 [o.target(o.rate(requests, ['status', 'endpoint'], model), '{{status}} {{endpoint}}')]),
    o.timeseries('Errors by type', 'Failed requests per second by error type and provider.', 'ops',
                 [o.target(o.rate(errors, ['provider', 'error_type'], model), '{{provider}} {{error_type}}')]),
    o.timeseries('Latency p95 by model', '95th percentile time from request to last token, per model.', 's',
                 [o.target(o.quantile('0.95', duration, ['model'], model), 'p95 {{model}}')], min=0),
    o.timeseries('Latency p50/p95/p99', 'Median, 95th and 99th percentile request latency, all models.', 's',
                 [o.target(o.quantile(q[0], duration, [], model), q[1])
                  for q in [['0.5', 'p50'], ['0.95', 'p95'], ['0.99', 'p99']]], min=0),
    o.timeseries('Tokens per second by model', 'Prompt tokens sent upstream and completion tokens returned, per model.',
                 'short',
                 [o.target(o.rate('llm_gateway_prompt_tokens_total', ['model'], model), 'prompt {{model}}'),
                  o.target(o.rate('llm_gateway_completion_tokens_total', ['model'], model), 'completion {{model}}')],
                 w=24),
  ],
  [o.variable(requests, 'model')],
)
