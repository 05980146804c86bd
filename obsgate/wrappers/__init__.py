"""Thin wrappers around external checkers (promtool, amtool): run once per batch, parse into findings.

Running is separate from parsing: each parser is a pure function of the tool's output, tested on
captured text and, through the runners, against the real pinned binaries.
"""
