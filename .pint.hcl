# pint configuration for obsgate's `external/pint` check, which runs
#   pint --offline --config .pint.hcl lint --checkstyle=<report> generated/prometheus/rules/*.yml
# Offline: no `prometheus` block, so only the checks that read the rules themselves run.
#
# Exceptions: none. No check is disabled here and no rule carries a `# pint disable` comment.
# An exception must be added here with its reason (one line per check, in `disabled` below) and be
# listed in the project's notes; prefer fixing the rule source under rules_src/ instead.
checks {
  disabled = []
}
