"""Pure query analysis shared by generate, validate, runtime and smoke: durations, the ci profile's
expression rewriting, the recording-rule graph and the series Prometheus writes itself. No I/O."""
