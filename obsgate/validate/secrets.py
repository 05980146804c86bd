"""secrets/literal: no password, token or webhook URL written into a checked or generated file.

Generated files are committed; a secret in them is a leaked secret. Secrets belong in `*_file`
fields (Alertmanager, Prometheus) or in the environment (`${VAR}` in compose).
"""
from __future__ import annotations

import re

from ..problem import Problem, Severity
from .base import Check

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
    out = []
    for n, line in enumerate(f.text.splitlines(), 1):
        for what, rx in _PATTERNS:
            m = rx.search(line)
            if m:
                out.append(Problem(CHECK, Severity.ERROR, f"{what} in the file (`{mask(m.group(0))}`)", f.path, n,
                                   "remove it, rotate it, and pass it at run time through a file or the "
                                   "environment"))
                break
    return out


def check(ctx) -> list[Problem]:
    out: list[Problem] = []
    for f in ctx.files:
        found = _structured(f) if f.doc is not None else []
        lines = {p.line for p in found}
        found += [p for p in _text(f) if p.line not in lines]
        out += found
    return out


CHECKS = (Check(CHECK, "no literal password, token or webhook URL in checked or generated files", check),)
