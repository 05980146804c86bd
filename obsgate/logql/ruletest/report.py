"""The test report in promtool's layout, with a per-alert diff under each failure."""
from __future__ import annotations

from .model import Alert, FileResult


def _fmt_alerts(alerts: list[Alert], indent: str) -> str:
    if not alerts:
        return "[]"
    lines = ["["]
    for i, a in enumerate(alerts):
        labels = ", ".join(f'{k}="{v}"' for k, v in sorted(a.labels.items()))
        annotations = ", ".join(f'{k}="{v}"' for k, v in sorted(a.annotations.items()))
        lines += [f"{indent}    {i}:", f"{indent}      Labels:{{{labels}}}", f"{indent}      Annotations:{{{annotations}}}"]
    lines.append(f"{indent}    ]")
    return "\n".join(lines)


def diff(exp: list[Alert], got: list[Alert]) -> list[str]:
    """Per alert: what is missing (-) and what is extra (+), field by field when the label sets match."""
    out = []
    got_left = list(got)
    for e in exp:
        match = next((g for g in got_left if g.labels == e.labels), None)
        if match is None:
            out.append(f"- missing alert {_labels(e.labels)}")
            continue
        got_left.remove(match)
        for k in sorted(set(e.annotations) | set(match.annotations)):
            if e.annotations.get(k) != match.annotations.get(k):
                out.append(f"~ {_labels(e.labels)} annotation {k}: expected {e.annotations.get(k)!r}, "
                           f"got {match.annotations.get(k)!r}")
    for g in got_left:
        out.append(f"+ unexpected alert {_labels(g.labels)}")
    return out


def _labels(labels: dict) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def report(results: list[FileResult]) -> str:
    lines = []
    for fr in results:
        lines.append(f"Unit Testing:  {fr.path}")
        if fr.ok:
            lines.append(f"  SUCCESS ({fr.tests} tests)")
            continue
        lines.append("  FAILED:")
        for f in fr.failures:
            lines.append(f"    name: {f.test},")
            lines.append(f"    alertname: {f.alertname}, time: {f.eval_time}, ")
            if f.error:
                where = f"{fr.path}:{f.line}: " if f.line else ""
                lines.append(f"        error: {where}{f.error}")
            else:
                lines.append(f"        exp:{_fmt_alerts(f.exp, '        ')}, ")
                lines.append(f"        got:{_fmt_alerts(f.got, '        ')}")
                lines += [f"        {d}" for d in diff(f.exp, f.got)]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
