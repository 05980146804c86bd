"""secrets/literal: no password, token or webhook URL written into a checked or generated file.

Generated files are committed; a secret in them is a leaked secret. Secrets belong in `*_file`
fields (Alertmanager, Prometheus) or in the environment (`${VAR}` in compose).
"""
from __future__ import annotations

import re

from ..problem import Problem, Severity
from .base import Check
from .files import DASHBOARD, LOKI_RULES, PROM_RULES

CHECK = "secrets/literal"
# Keys whose value is a credential (case-insensitive); `*_file` variants and URLs of endpoints are not.
_SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_?key|credential|private_key|routing_key|service_key|"
                         r"webhook_url|api_url)", re.I)
_NOT_SECRET_KEY = re.compile(r"(_file|_path|file|_files|__FILE)$|^(token_url|auth_url|secret_file|api_url_file)$"
                             r"|^(secretName|secretRef|secretKeyRef|secretKey|existingSecret|secretProviderClass)$",
                             re.I)  # Kubernetes fields that name a Secret object, not its value
_ENV_REF = re.compile(r"^\$\{?[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}?$")
_ENV_DEFAULT = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]+)\}$")  # ${VAR:-fallback}: the fallback is literal
# `<replace with your key>`, `$(SECRET)`, `XXX`, `***`, `REDACTED`: documentation placeholders, not secrets
_PLACEHOLDER = re.compile(r"^<[^<>]+>$|^\$\(.+\)$|^[xX]{3,}$|^\*+$|^\.\.\.$|^redacted$", re.I)
_LOOPBACK = re.compile(r"^https?://(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(/|$)", re.I)
_PATTERNS = (
    ("Slack webhook URL", re.compile(r"https://hooks\.slack\.com/(services|workflows)/[A-Za-z0-9/_-]+")),
    ("Discord webhook URL", re.compile(r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]+")),
    ("Microsoft Teams webhook URL", re.compile(r"https://[\w.-]*(?:webhook\.office\.com|outlook\.office\.com/webhook)"
                                               r"/[\w@/-]+")),
    ("Google Chat webhook URL", re.compile(r"https://chat\.googleapis\.com/v1/spaces/[^\s\"']+key=[\w-]+")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("GitHub token", re.compile(r"\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{30,}")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("AWS access key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{24,}")),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("password in a URL", re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@\"'$]+:[^\s/@\"'$]{3,}@[\w.-]+")),
    ("bearer token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{20,}=*")),
)


# A literal part (lowercased) every match of a pattern contains: the text is searched for it first.
_ANCHORS = {"Slack webhook URL": ("hooks.slack.com",), "Discord webhook URL": ("discord",),
            "Microsoft Teams webhook URL": ("office",), "Google Chat webhook URL": ("chat.googleapis.com",),
            "Slack token": ("xox",), "GitHub token": ("gh", "github_pat_"), "GitLab token": ("glpat-",),
            "AWS access key": ("akia",), "API key": ("sk-",), "private key": ("private key",),
            "password in a URL": ("@",), "bearer token": ("bearer",)}


def mask(value: str) -> str:
    value = str(value)
    return (value[:4] + "…") if len(value) > 6 else "…"


def _is_literal(value) -> bool:
    if not isinstance(value, str):
        return False
    v = value.strip()
    if _ENV_DEFAULT.match(v):
        return True  # the environment may not set it, and then the fallback is the secret
    return bool(v) and not _ENV_REF.match(v) and not _PLACEHOLDER.match(v) and "{{" not in v and \
        not _LOOPBACK.match(v)


def _hint(key: str) -> str:
    """Where the secret goes instead: Grafana reads `GF_..._PASSWORD__FILE`, Alertmanager and Prometheus `*_file`."""
    if key.startswith("GF_"):
        return (f"read it from a file (`{key}__FILE`, Grafana's file form) or pass it from the environment without a "
                "fallback (`${VAR:?set it}`); committed files must not carry secrets")
    if key.isupper():
        return ("pass it from the environment without a fallback (`${VAR:?set it}`) or a secrets file; committed "
                "files must not carry secrets")
    return f"read it from a file (`{key}_file`) or the environment (`${{VAR}}`); committed files must not carry secrets"


def _walk(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield path + (k,), k, v
            yield from _walk(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            if isinstance(v, str) and "=" in v:  # compose `environment: [KEY=value]`
                key, _, value = v.partition("=")
                yield path + (i,), key, value
            yield from _walk(v, path + (i,))


def _structured(f) -> list[Problem]:
    out = []
    for path, key, value in _walk(f.data):
        if not isinstance(key, str) or _NOT_SECRET_KEY.search(key):
            continue
        webhook_url = key == "url" and any(str(p).endswith("webhook_configs") for p in path)
        if not (webhook_url or _SECRET_KEY.search(key)) or not _is_literal(value):
            continue
        fallback = _ENV_DEFAULT.match(str(value).strip())
        what = (f"`{key}` falls back to a literal secret (`{mask(fallback.group(1))}`) when the variable is unset"
                if fallback else f"`{key}` holds a literal secret (`{mask(value)}`)")
        out.append(Problem(CHECK, Severity.ERROR, what, f.path, f.line(path), _hint(key)))
    return out


def _text(f) -> list[Problem]:
    """Each pattern searched over the whole text once (a 5 MB file costs milliseconds), first hit per line."""
    hits: dict[int, tuple[int, str, str]] = {}  # line -> (pattern order, what, match)
    lowered = None
    for order, (what, rx) in enumerate(_PATTERNS):
        anchor = _ANCHORS.get(what)
        if anchor is not None:
            lowered = f.text.lower() if lowered is None else lowered
            if not any(a in lowered for a in anchor):
                continue  # no match can start without its literal part: skip the regex
        for m in rx.finditer(f.text):
            n = f.text.count("\n", 0, m.start()) + 1
            line_start = f.text.rfind("\n", 0, m.start()) + 1
            line_end = f.text.find("\n", m.start())
            first = rx.search(f.text, line_start, line_end if line_end >= 0 else len(f.text))
            if n not in hits or hits[n][0] > order:
                hits[n] = (order, what, first.group(0) if first else m.group(0))
    return [Problem(CHECK, Severity.ERROR, f"{what} in the file (`{mask(value)}`)", f.path, n,
                    "remove it, rotate it, and pass it at run time through a file or the environment")
            for n, (_, what, value) in sorted(hits.items())]


def check(ctx) -> list[Problem]:
    out: list[Problem] = []
    for f in ctx.files:
        # rule files and dashboards have no credential fields: their text is scanned, their keys are not walked
        found = _structured(f) if f.doc is not None and f.kind not in (PROM_RULES, LOKI_RULES, DASHBOARD) else []
        lines = {p.line for p in found}
        found += [p for p in _text(f) if p.line not in lines]
        out += found
    return out


CHECKS = (Check(CHECK, "no literal password, token or webhook URL in checked or generated files", check),)
