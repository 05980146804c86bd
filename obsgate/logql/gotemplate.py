"""Go text/template, the part Loki's line_format/label_format and Prometheus alert templates use.

Text and actions with trim markers and comments; pipelines with `|`; variables (`$`, `$x :=`, `$x =`);
fields on maps (`.label`, `$labels.x`); literals; `if`/`else if`/`else`, `with`, `range` (with `break`
and `continue`); the builtins (and, or, not, eq, ne, lt, le, gt, ge, len, index, slice, print, printf,
println, html, js, urlquery). Function sets come from templates.py. `define`/`template`/`block` and
`call` are refused by name. Templates are parsed once (cached) and executed on plain Python values.
"""
from __future__ import annotations

import html
import re
import urllib.parse
from functools import lru_cache
from typing import Callable, NamedTuple

from .gofmt import FormatError, go_value, sprintf


class TemplateError(ValueError):
    """A template that does not parse or fails while executing; the message says where and why."""


class _NoValue:
    """What Go prints for a missing map key under the default `missingkey` option."""

    def __repr__(self) -> str:
        return "<no value>"


NO_VALUE = _NoValue()


# --- nodes -----------------------------------------------------------------------------------------

class Text(NamedTuple):
    text: str


class Field(NamedTuple):
    base: object  # None (dot), ("var", name), or a sub-pipeline
    chain: tuple[str, ...]


class Var(NamedTuple):
    name: str


class Lit(NamedTuple):
    value: object


class Ident(NamedTuple):
    name: str


class Dot(NamedTuple):
    pass


class Command(NamedTuple):
    args: tuple


class Pipe(NamedTuple):
    decls: tuple[str, ...]
    assign: bool  # `=` instead of `:=`
    cmds: tuple[Command, ...]


class Action(NamedTuple):
    pipe: Pipe


class If(NamedTuple):
    kind: str  # "if" | "with"
    pipe: Pipe
    body: tuple
    orelse: tuple


class Range(NamedTuple):
    pipe: Pipe
    body: tuple
    orelse: tuple


class Break(NamedTuple):
    pass


class Continue(NamedTuple):
    pass


# --- lexing ----------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\]|\\.)+')
  | (?P<decl>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<comma>,)
  | (?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
  | (?P<num>[+-]?(?:0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?))
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
""", re.X)

_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}


def _unquote(tok: str) -> str:
    from .strings import BadEscape, unquote
    try:
        return unquote(tok)
    except BadEscape as exc:
        raise TemplateError(str(exc)) from None


def _lex_action(src: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise TemplateError(f"unexpected {src[pos]!r} in command")
        kind = m.lastgroup
        text = m.group(0)
        pos = m.end()
        if kind == "ws":
            continue
        # `.x` right after `)` or a variable is a field of it: keep the chain separate
        out.append((kind, text))
    return out


def _split(template: str) -> list[tuple[str, str]]:
    """[("text", ...), ("action", inner)] with trim markers applied and comments dropped."""
    parts, pos = [], 0
    while True:
        start = template.find("{{", pos)
        if start < 0:
            parts.append(("text", template[pos:]))
            break
        text = template[pos:start]
        inner_start = start + 2
        if template.startswith("- ", inner_start) or template.startswith("-\t", inner_start) or \
                template.startswith("-\n", inner_start) or template.startswith("-\r", inner_start):
            text = text.rstrip(" \t\r\n")
            inner_start += 2
        parts.append(("text", text))
        if template.startswith("/*", inner_start):
            close = template.find("*/", inner_start + 2)
            if close < 0:
                raise TemplateError("unclosed comment")
            end = close + 2
            trim_after = False
            if template.startswith(" -}}", end):
                trim_after, end = True, end + 4
            elif template.startswith("}}", end):
                end += 2
            else:
                raise TemplateError("comment ends before closing delimiter")
            pos = end
            if trim_after:
                pos = _skip_ws(template, pos)
            continue
        end = _find_close(template, inner_start)
        if end < 0:
            raise TemplateError("unclosed action")
        inner = template[inner_start:end]
        pos = end + 2
        if inner.endswith(" -") or inner.endswith("\t-") or inner.endswith("\n-") or inner == "-":
            inner = inner[:-1]
            pos = _skip_ws(template, pos)
        parts.append(("action", inner))
    return [p for p in parts if p != ("text", "")]


def _skip_ws(s: str, pos: int) -> int:
    while pos < len(s) and s[pos] in " \t\r\n":
        pos += 1
    return pos


def _find_close(s: str, pos: int) -> int:
    """The `}}` that closes an action, skipping over string literals."""
    i = pos
    while i < len(s):
        ch = s[i]
        if ch in "\"`'":
            j = i + 1
            while j < len(s) and s[j] != ch:
                if s[j] == "\\" and ch != "`":
                    j += 1
                if ch != "`" and s[j] == "\n":
                    raise TemplateError("unterminated quoted string")
                j += 1
            if j >= len(s):
                raise TemplateError("unterminated quoted string")
            i = j + 1
            continue
        if s.startswith("}}", i):
            return i
        i += 1
    return -1


# --- parsing ---------------------------------------------------------------------------------------

@lru_cache(maxsize=4096)
def parse_template(template: str) -> tuple:
    """Parse a template into a tree; raises TemplateError with Go's wording where it matters."""
    items = _split(template)
    tree, rest, stop = _parse_list(items, 0, ())
    if stop is not None:
        raise TemplateError(f"unexpected {{{{{stop}}}}}")
    return tree


def _parse_list(items, i, stops):
    out = []
    while i < len(items):
        kind, value = items[i]
        if kind == "text":
            out.append(Text(value))
            i += 1
            continue
        toks = _lex_action(value)
        if not toks:
            raise TemplateError("missing value for command")
        head = toks[0][1] if toks[0][0] == "ident" else ""
        if head in ("end", "else"):
            if head not in stops and not (head == "else" and "else" in stops):
                raise TemplateError(f"unexpected {{{{{head}}}}}")
            return tuple(out), i, (head, toks[1:])
        i += 1
        if head in ("if", "with"):
            node, i = _parse_if(head, toks[1:], items, i)
            out.append(node)
        elif head == "range":
            pipe = _parse_pipe(toks[1:], allow_decl=True, range_decl=True)
            body, i, (stop, _) = _expect_block(items, i, ("end", "else"))
            orelse = ()
            if stop == "else":
                orelse, i, _ = _expect_block(items, i, ("end",))
            out.append(Range(pipe, body, orelse))
        elif head in ("define", "template", "block"):
            raise TemplateError(f"`{head}` is not supported by obsgate's template engine")
        elif head == "break":
            out.append(Break())
        elif head == "continue":
            out.append(Continue())
        else:
            out.append(Action(_parse_pipe(toks, allow_decl=True)))
    if stops:
        raise TemplateError(f"unexpected EOF (missing {{{{end}}}})")
    return tuple(out), i, None


def _expect_block(items, i, stops):
    body, i, stop = _parse_list(items, i, stops)
    if stop is None:
        raise TemplateError("unexpected EOF (missing {{end}})")
    name, rest = stop
    i += 1
    if name == "end" and rest:
        raise TemplateError("unexpected tokens after end")
    return body, i, (name, rest)


def _parse_if(kind, toks, items, i):
    pipe = _parse_pipe(toks, allow_decl=True)
    body, i, (stop, rest) = _expect_block(items, i, ("end", "else"))
    orelse = ()
    if stop == "else":
        if rest and rest[0] == ("ident", "if") and kind == "if" or rest and rest[0] == ("ident", "with") \
                and kind == "with":
            node, i = _parse_if(kind, rest[1:], items, i)
            orelse = (node,)
        elif rest:
            raise TemplateError(f"unexpected tokens after else")
        else:
            orelse, i, _ = _expect_block(items, i, ("end",))
    return If(kind, pipe, body, orelse), i


def _parse_pipe(toks, allow_decl=False, range_decl=False) -> Pipe:
    decls, assign = [], False
    if allow_decl and toks and toks[0][0] == "var":
        # `$x :=`, `$x =`, `$i, $e :=`
        j = 0
        names = []
        while j < len(toks) and toks[j][0] == "var":
            names.append(toks[j][1])
            j += 1
            if j < len(toks) and toks[j][0] == "comma" and range_decl:
                j += 1
                continue
            break
        if j < len(toks) and toks[j][0] in ("decl", "assign") and len(names) <= (2 if range_decl else 1):
            decls, assign = names, toks[j][0] == "assign"
            toks = toks[j + 1:]
    if not toks:
        raise TemplateError("missing value for command")
    cmds, cur, depth = [], [], 0
    groups = _group(toks)
    for g in groups:
        if g == ("pipe", "|"):
            if not cur:
                raise TemplateError("missing command before |")
            cmds.append(Command(tuple(cur)))
            cur = []
        else:
            cur.append(g)
    if not cur:
        raise TemplateError("missing command after |")
    cmds.append(Command(tuple(cur)))
    return Pipe(tuple(decls), assign, tuple(_command(c) for c in cmds))


def _group(toks):
    """Nest parenthesised sub-pipelines, so `(a | b).x` is one operand."""
    out, i = [], 0
    while i < len(toks):
        kind, text = toks[i]
        if kind == "lpar":
            depth, j = 1, i + 1
            while j < len(toks) and depth:
                if toks[j][0] == "lpar":
                    depth += 1
                elif toks[j][0] == "rpar":
                    depth -= 1
                j += 1
            if depth:
                raise TemplateError("unclosed left paren")
            inner = _parse_pipe(toks[i + 1:j - 1], allow_decl=False)
            node = ("sub", inner)
            if j < len(toks) and toks[j][0] == "field":
                node = ("subfield", (inner, toks[j][1]))
                j += 1
            out.append(node)
            i = j
            continue
        if kind == "rpar":
            raise TemplateError("unexpected right paren")
        out.append((kind, text))
        i += 1
    return out


def _command(cmd: Command) -> Command:
    return Command(tuple(_operand(a) for a in cmd.args))


def _operand(tok):
    kind, text = tok
    if kind == "sub":
        return text
    if kind == "subfield":
        inner, chain = text
        return Field(inner, tuple(chain.split(".")[1:]))
    if kind == "field":
        return Field(None, tuple(text.split(".")[1:]))
    if kind == "dot":
        return Dot()
    if kind == "var":
        name, _, chain = text.partition(".")
        return Var(name) if not chain else Field(("var", name), tuple(chain.split(".")))
    if kind in ("str", "raw"):
        return Lit(_unquote(text))
    if kind == "char":
        return Lit(ord(_unquote('"' + text[1:-1] + '"')))
    if kind == "num":
        t = text.replace("_", "")
        try:
            if re.fullmatch(r"[+-]?0[xX][0-9a-fA-F]+", t):
                return Lit(int(t, 16))
            if re.fullmatch(r"[+-]?[0-9]+", t):
                return Lit(int(t))
            return Lit(float(t))
        except ValueError:
            raise TemplateError(f"bad number syntax: {text!r}") from None
    if kind == "ident":
        if text == "true":
            return Lit(True)
        if text == "false":
            return Lit(False)
        if text == "nil":
            return Lit(None)
        if text in _KEYWORDS:
            raise TemplateError(f"unexpected {text!r} in command")
        return Ident(text)
    if kind in ("decl", "assign"):
        raise TemplateError(f"unexpected {text!r} in command")
    if kind == "comma":
        raise TemplateError("unexpected , in command")
    raise TemplateError(f"unexpected {text!r} in command")


# --- execution -------------------------------------------------------------------------------------

class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_MAX_OUTPUT = 1 << 20
_MAX_STEPS = 200_000


def execute(template: str, data, funcs: dict[str, Callable], variables: dict | None = None) -> str:
    """Run `template` on `data` with the function set `funcs`; `variables` pre-declares `$name`s."""
    tree = parse_template(template)
    for name in _template_idents(template):
        if name not in funcs and name not in _BUILTINS and name not in ("and", "or"):
            raise TemplateError(f'function "{name}" not defined')
    state = _State(funcs, data)
    scope = [("$", data)] + [(k if k.startswith("$") else "$" + k, v) for k, v in (variables or {}).items()]
    out: list[str] = []
    try:
        state.walk(tree, data, scope, out)
    except (_Break, _Continue):
        raise TemplateError("break or continue outside range") from None
    except RecursionError:
        raise TemplateError("template nests too deeply") from None
    return "".join(out)


@lru_cache(maxsize=4096)
def _template_idents(template: str) -> frozenset:
    return frozenset(_idents(parse_template(template)))


def _idents(tree) -> set[str]:
    found = set()

    def visit(x):
        if isinstance(x, Ident):
            found.add(x.name)
        elif isinstance(x, tuple):
            for y in x:
                visit(y)

    visit(tree)
    return found


class _State:
    def __init__(self, funcs, data):
        self.funcs = funcs
        self.steps = 0
        self.size = 0

    def walk(self, nodes, dot, scope, out):
        for node in nodes:
            self.steps += 1
            if self.steps > _MAX_STEPS:
                raise TemplateError("template runs too long")
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Action):
                value = self.pipe(node.pipe, dot, scope)
                if not node.pipe.decls:
                    text = printable(value)
                    self.size += len(text)
                    if self.size > _MAX_OUTPUT:
                        raise TemplateError("template output exceeds 1 MiB")
                    out.append(text)
            elif isinstance(node, If):
                mark = len(scope)
                value = self.pipe(node.pipe, dot, scope)
                if truth(value):
                    self.walk(node.body, value if node.kind == "with" else dot, scope, out)
                else:
                    self.walk(node.orelse, dot, scope, out)
                del scope[mark:]
            elif isinstance(node, Range):
                self.range(node, dot, scope, out)
            elif isinstance(node, Break):
                raise _Break()
            elif isinstance(node, Continue):
                raise _Continue()

    def range(self, node, dot, scope, out):
        mark = len(scope)
        decls = node.pipe.decls
        value = self.pipe(node.pipe._replace(decls=()), dot, scope)
        if isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, (list, tuple)):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]
        elif value is None or value is NO_VALUE:
            items = []
        else:
            raise TemplateError(f"range can't iterate over {go_value(value)}")
        if not items:
            self.walk(node.orelse, dot, scope, out)
            return
        for k, v in items:
            inner = len(scope)
            if len(decls) == 1:
                scope.append((decls[0], v))
            elif len(decls) == 2:
                scope += [(decls[0], k), (decls[1], v)]
            try:
                self.walk(node.body, v, scope, out)
            except _Break:
                del scope[inner:]
                break
            except _Continue:
                pass
            del scope[inner:]
        del scope[mark:]

    def pipe(self, pipe: Pipe, dot, scope):
        value = _MISSING
        for cmd in pipe.cmds:
            value = self.command(cmd, dot, scope, value)
        if pipe.decls:
            name = pipe.decls[0]
            if pipe.assign:
                for i in range(len(scope) - 1, -1, -1):
                    if scope[i][0] == name:
                        scope[i] = (name, value)
                        break
                else:
                    raise TemplateError(f"undefined variable: {name}")
            else:
                scope.append((name, value))
        return value

    def command(self, cmd: Command, dot, scope, final):
        head, args = cmd.args[0], cmd.args[1:]
        if isinstance(head, Ident):
            return self.call(head.name, args, dot, scope, final)
        if args or final is not _MISSING:
            if isinstance(head, (Field,)) and (args or final is not _MISSING):
                raise TemplateError(f"{'.'.join(head.chain)} has arguments but cannot be invoked as function")
            raise TemplateError(f"can't give argument to non-function {_describe(head)}")
        return self.arg(head, dot, scope)

    def arg(self, node, dot, scope):
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, Dot):
            return dot
        if isinstance(node, Var):
            return _lookup(scope, node.name)
        if isinstance(node, Field):
            if node.base is None:
                base = dot
            elif isinstance(node.base, tuple) and node.base[0] == "var":
                base = _lookup(scope, node.base[1])
            else:
                base = self.pipe(node.base, dot, scope)
            for name in node.chain:
                base = _field(base, name)
            return base
        if isinstance(node, Pipe):
            return self.pipe(node, dot, [*scope])
        if isinstance(node, Ident):
            return self.call(node.name, (), dot, scope, _MISSING)
        raise TemplateError(f"can't evaluate {node!r}")

    def call(self, name, args, dot, scope, final):
        if name in ("and", "or"):
            values = [lambda a=a: self.arg(a, dot, scope) for a in args]
            if final is not _MISSING:
                values.append(lambda: final)
            if not values:
                raise TemplateError(f"wrong number of args for {name}: want at least 1 got 0")
            result = None
            for get in values:
                result = get()
                if (name == "and") != truth(result):
                    return result
            return result
        values = [self.arg(a, dot, scope) for a in args]
        if final is not _MISSING:
            values.append(final)
        fn = self.funcs.get(name) or _BUILTINS.get(name)
        if fn is None:
            raise TemplateError(f'function "{name}" not defined')
        try:
            return fn(*values)
        except TemplateError:
            raise
        except TypeError as exc:
            raise TemplateError(f"error calling {name}: wrong number or type of args ({exc})") from None
        except (ValueError, ZeroDivisionError, OverflowError, IndexError, KeyError, FormatError) as exc:
            raise TemplateError(f"error calling {name}: {exc}") from None


_MISSING = object()


def _describe(node) -> str:
    if isinstance(node, Lit):
        return go_value(node.value)
    return type(node).__name__


def _lookup(scope, name):
    for k, v in reversed(scope):
        if k == name:
            return v
    raise TemplateError(f"undefined variable: {name}")


def _field(base, name):
    if isinstance(base, dict):
        return base.get(name, NO_VALUE)
    if base is None or base is NO_VALUE:
        return NO_VALUE
    attr = getattr(base, "template_field", None)
    if attr is not None:
        return attr(name)
    raise TemplateError(f"can't evaluate field {name} in type {_gotype(base)}")


def _gotype(v) -> str:
    return {bool: "bool", int: "int", float: "float64", str: "string", list: "[]interface {}",
            dict: "map[string]string"}.get(type(v), type(v).__name__)


def truth(v) -> bool:
    if v is NO_VALUE or v is None:
        return False
    if isinstance(v, (bool, int, float, str, list, tuple, dict)):
        return bool(v)
    return True


def printable(v) -> str:
    if v is NO_VALUE:
        return "<no value>"
    if isinstance(v, str):
        return v
    text = getattr(v, "template_text", None)
    if text is not None:
        return text()
    return go_value(v)


# --- builtins --------------------------------------------------------------------------------------

def _cmp_values(a, b):
    num = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        if type(a) is not type(b):
            raise TemplateError("incompatible types for comparison")
        return a, b
    if isinstance(a, num) and isinstance(b, num):
        if isinstance(a, int) != isinstance(b, int):
            raise TemplateError("incompatible types for comparison")
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    if a is NO_VALUE or b is NO_VALUE or a is None or b is None:
        raise TemplateError("invalid type for comparison")
    raise TemplateError("incompatible types for comparison")


def _eq(a, *bs):
    if not bs:
        raise TemplateError("missing argument for comparison")
    for b in bs:
        x, y = _cmp_values(a, b)
        if x == y:
            return True
    return False


def _ne(a, b):
    x, y = _cmp_values(a, b)
    return x != y


def _order(op):
    def f(a, b):
        x, y = _cmp_values(a, b)
        if isinstance(x, bool):
            raise TemplateError("invalid type for comparison")
        return op(x, y)
    return f


def _len(v):
    if isinstance(v, (str, list, tuple, dict)):
        return len(v.encode() if isinstance(v, str) else v)
    raise TemplateError(f"len of type {_gotype(v)}")


def _index(v, *keys):
    for k in keys:
        if isinstance(v, dict):
            v = v.get(k, NO_VALUE) if isinstance(k, str) else NO_VALUE
        elif isinstance(v, (list, tuple, str)):
            if not isinstance(k, int) or not 0 <= k < len(v):
                raise TemplateError(f"index out of range: {k}")
            v = v[k] if not isinstance(v, str) else v.encode()[k]
        elif v is None or v is NO_VALUE:
            raise TemplateError("index of untyped nil")
        else:
            raise TemplateError(f"can't index item of type {_gotype(v)}")
    return v


def _slice(v, *idx):
    if not isinstance(v, (str, list, tuple)):
        raise TemplateError(f"can't slice item of type {_gotype(v)}")
    if len(idx) > 2:
        raise TemplateError("too many slice indexes")
    i = idx[0] if idx else 0
    j = idx[1] if len(idx) > 1 else len(v)
    if not (0 <= i <= j <= len(v)):
        raise TemplateError(f"index out of range: {i}:{j}")
    return v[i:j]


def _sprint(*args) -> str:
    out = []
    for i, a in enumerate(args):
        if i and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(printable(a))
    return "".join(out)


def _printf(fmt, *args) -> str:
    if not isinstance(fmt, str):
        raise TemplateError(f"printf: format is {_gotype(fmt)}, not a string")
    return sprintf(fmt, *[a if a is not NO_VALUE else None for a in args])


def _js(*args) -> str:
    s = _sprint(*args)
    rep = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D",
           "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "".join(rep.get(c, c) for c in s)


_BUILTINS: dict[str, Callable] = {
    "not": lambda v: not truth(v),
    "eq": _eq, "ne": _ne,
    "lt": _order(lambda a, b: a < b), "le": _order(lambda a, b: a <= b),
    "gt": _order(lambda a, b: a > b), "ge": _order(lambda a, b: a >= b),
    "len": _len, "index": _index, "slice": _slice,
    "print": _sprint, "printf": _printf, "println": lambda *a: " ".join(printable(x) for x in a) + "\n",
    "html": lambda *a: html.escape(_sprint(*a), quote=True).replace("&#x27;", "&#39;"),
    "js": _js,
    "urlquery": lambda *a: urllib.parse.quote_plus(_sprint(*a)),
}


def _unsupported_call(*_a):
    raise TemplateError("`call` is not supported by obsgate's template engine")


_BUILTINS["call"] = _unsupported_call
