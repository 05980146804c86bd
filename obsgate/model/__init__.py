"""The vocabulary users write in catalog/, stacks/, rules_src/ and dashboards_src/."""
from .catalog import Label, LogStream, Metric, MetricType
from .rules import (AlertRule, Cause, Effect, History, LogEffect, LokiAlertRule, LokiRuleGroup, RecordingRule, RuleGroup, Runbook,
                    Scenario, Step, Suppress)
from .slo import SLO
from .source import DefinitionError, SourceRef
from .stack import Button, Inhibit, Native, Profile, Receiver, Route, Routing, Service, Stack, Volume
from .testcase import Expect, LokiTestCase, Sample, TestCase

__all__ = [
    "AlertRule", "Button", "Cause", "DefinitionError", "Effect", "History", "Inhibit", "LogEffect", "Expect", "Label", "LogStream", "LokiAlertRule", "LokiRuleGroup",
    "LokiTestCase", "Metric", "MetricType", "Native", "Profile", "Receiver", "RecordingRule", "Route", "Routing",
    "RuleGroup", "Runbook", "SLO", "Sample", "Scenario", "Service", "SourceRef", "Stack", "Step", "Suppress", "TestCase",
    "Volume",
]
