"""The project's own services for the live gate: telemetry simulators, the LLM gateway, the alert sink.

Everything here reads the catalog and the rule scenarios, so a renamed metric or a new fault reaches
the simulators without code changes. `engine`, `faults` and `textgen` are pure; the rest serve HTTP.
"""
