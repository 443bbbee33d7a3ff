"""Guards for what a YAML mapping may ask: bounded YAML, regexes without catastrophic backtracking,
templates that only reference fields with small format specs.

Every refusal is a ``ValueError`` (inside pydantic validation, so the mapping key is named) or a
:class:`stakegraph.loaders.errors.MappingError`; none is a traceback.
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

import yaml

from stakegraph.loaders.bounds import MAX_TEMPLATE_WIDTH, MAX_YAML_ALIASES, current, setting
from stakegraph.loaders.errors import MappingError

try:  # the "regex" engine stops a search at a timeout; without it the static guard alone applies
    import regex as _regex
except ImportError:  # pragma: no cover - depends on the environment
    _regex = None

try:
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _p  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

#: Seconds one regex search may take (with the ``regex`` engine); then the row is reported.
REGEX_TIMEOUT_S = 0.5
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
_REGEX_FIX = ("rewrite it without a quantifier inside a repeated group (e.g. '^a+$' instead of '^(a+)+$'), "
              "alternatives that can match the same text inside a repeat, or backreferences")
_YAML_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|#[^\n]*")
_YAML_FLOW = re.compile(r"[\[\]{}]")
#: Deepest nesting of [ ] and { } in a mapping (PyYAML's parser slows quadratically with depth).
MAX_YAML_DEPTH = 64
_SPEC = re.compile(r"^(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<prec>\d+))?[bcdeEfFgGnosxX%]?$")


# -- regular expressions ------------------------------------------------------------------------
def _variable(lo: int, hi: int) -> bool:
    return hi is _c.MAXREPEAT or hi > lo


def _first(items: Any) -> str | None:
    """The literal first character of a branch, or ``None`` when not a plain literal."""
    for op, av in items:
        if op is _c.LITERAL:
            return chr(av)
        return None
    return ""


def _danger(items: Any, in_repeat: bool) -> str:
    for op, av in items:
        if op in _REPEATS:
            lo, hi, sub = av
            if in_repeat and _variable(lo, hi):
                return "a quantifier inside a repeated group (catastrophic backtracking)"
            found = _danger(sub, in_repeat or hi is _c.MAXREPEAT or hi > 1)
        elif op is _c.SUBPATTERN:
            found = _danger(av[-1], in_repeat)
        elif op is _c.BRANCH:
            branches = av[1]
            if in_repeat:
                firsts = [_first(b) for b in branches]
                if None in firsts or len(set(firsts)) < len(firsts):
                    return "alternatives that can start alike inside a repeat (catastrophic backtracking)"
            found = next((d for b in branches if (d := _danger(b, in_repeat))), "")
        elif op in (_c.GROUPREF, _c.GROUPREF_EXISTS):
            return "a backreference"
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            found = _danger(av[1], in_repeat)
        elif op is getattr(_c, "ATOMIC_GROUP", None):
            found = _danger(av, in_repeat)
        else:
            found = ""
        if found:
            return found
    return ""


def check_regex(pattern: str) -> str:
    """``pattern`` when it compiles and cannot backtrack catastrophically; else ``ValueError`` saying why.

    >>> check_regex("^(a+)+$")
    Traceback (most recent call last):
    ...
    ValueError: regular expression '^(a+)+$' has a quantifier inside a repeated group (catastrophic backtracking); rewrite it without a quantifier inside a repeated group (e.g. '^a+$' instead of '^(a+)+$'), alternatives that can match the same text inside a repeat, or backreferences
    """
    if not isinstance(pattern, str):
        raise ValueError(f"regular expression must be text, not {type(pattern).__name__}")
    if len(pattern) > 1000:
        raise ValueError("regular expression is longer than 1,000 characters; write a shorter one")
    try:
        parsed = _p.parse(pattern)
    except (re.error, RecursionError, OverflowError) as e:
        raise ValueError(f"not a valid regular expression: {e}") from None
    why = _danger(parsed, False)
    if why:
        raise ValueError(f"regular expression {pattern!r} has {why}; {_REGEX_FIX}")
    return pattern


def search(pattern: str, text: str) -> bool:
    """``re.search`` for a checked pattern, stopped after :data:`REGEX_TIMEOUT_S` when ``regex`` is installed.

    A timeout raises ``TimeoutError`` (the caller reports the row).
    """
    if _regex is not None:
        try:
            return _regex.search(pattern, text, timeout=REGEX_TIMEOUT_S) is not None
        except _regex.error:  # a pattern only Python's engine reads: checked statically, so run it there
            pass
    return re.search(pattern, text) is not None


def find(pattern: str, text: str, *, full: bool = False) -> dict[str, str] | None:
    """The named groups of the first match of a checked pattern (``{}`` without groups), ``None`` if none.

    ``full`` matches the whole text. Bounded like :func:`search` (``TimeoutError`` after the timeout).
    """
    m: Any = None
    if _regex is not None:
        try:
            fn = _regex.fullmatch if full else _regex.search
            m = fn(pattern, text, timeout=REGEX_TIMEOUT_S)
        except _regex.error:
            m = (re.fullmatch if full else re.search)(pattern, text)
    else:
        m = (re.fullmatch if full else re.search)(pattern, text)
    if m is None:
        return None
    return {k: "" if v is None else v for k, v in m.groupdict().items()}


def group_names(pattern: str) -> list[str]:
    """The named groups of a checked pattern, in order."""
    return list(re.compile(pattern).groupindex)


# -- templates ------------------------------------------------------------------------------------
def check_template(template: str) -> str:
    """``template`` when it only names fields (``{name}``) with small format specs; else ``ValueError``.

    >>> check_template("{a}-{b:>8}")
    '{a}-{b:>8}'
    """
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ValueError(f"template {template!r} is not valid: {e}; write fields as {{column}}") from None
    for _, name, spec, conv in parts:
        if name is None:
            continue
        if not name or name.isdigit() or any(c in name for c in ".[]"):
            raise ValueError(f"template field {{{name}}} must name a column (no positions, attributes or "
                             "indexes); write {column}")
        if conv not in (None, "s"):
            raise ValueError(f"template field {{{name}!{conv}}}: conversions are not allowed; write {{{name}}}")
        m = _SPEC.match(spec or "")
        if m is None or "{" in (spec or ""):
            raise ValueError(f"template field {{{name}:{spec}}}: format spec not allowed; use an alignment and "
                             "width such as :>8 or :08")
        for part in ("width", "prec"):
            if m.group(part) and int(m.group(part)) > MAX_TEMPLATE_WIDTH:
                raise ValueError(f"template field {{{name}:{spec}}}: width/precision above the bound of "
                                 f"{MAX_TEMPLATE_WIDTH}; use a smaller one")
    return template


# -- YAML --------------------------------------------------------------------------------------------
def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _expanded_size(root: yaml.Node, limit: int, source: str) -> int:
    """Values in the document once aliases are expanded (memoised: linear in the composed graph)."""
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in _children(node))
            if size[key] > limit:
                return size[key]
            continue
        if key in size:
            continue
        if key in open_:
            raise MappingError(f"{source}: an anchor refers to itself (line {node.start_mark.line + 1}); "
                               "a mapping cannot be recursive", fix="remove the alias inside its own anchor")
        open_.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)
    return size.get(id(root), 0)


def _flow_depth(text: str) -> int:
    depth = deepest = 0
    for m in _YAML_FLOW.finditer(text):
        depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
        deepest = max(deepest, depth)
    return deepest


def safe_yaml(text: str, source: str) -> Any:
    """``yaml.safe_load(text)`` after the size, alias, expansion and nesting bounds were checked."""
    b = current()
    n = len(text.encode("utf-8", "surrogatepass"))
    if n > b.max_mapping_bytes:
        raise MappingError(f"{source}: the mapping has {n:,} bytes, more than the bound of {b.max_mapping_bytes:,} "
                           f"({setting('max_mapping_bytes')})", fix="shorten the mapping")
    deepest, raw = _flow_depth(_YAML_QUOTED.sub("", text)), _flow_depth(text)
    if raw > 4 * MAX_YAML_DEPTH:  # text that looks quoted cannot hide a deep nest
        deepest = raw
    if deepest > MAX_YAML_DEPTH:
        raise MappingError(f"{source}: the mapping is nested too deeply ({deepest} levels of [ ] or {{ }}, more than "
                           f"{MAX_YAML_DEPTH})", fix="flatten it")
    try:
        aliases = sum(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader))
        if aliases > MAX_YAML_ALIASES:
            raise MappingError(f"{source}: the mapping uses {aliases:,} aliases (*name), more than the bound of "
                               f"{MAX_YAML_ALIASES}", fix="write the values out instead of aliasing them")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is not None:
            total = _expanded_size(root, b.max_mapping_nodes, source)
            if total > b.max_mapping_nodes:
                raise MappingError(
                    f"{source}: the mapping expands to more than {b.max_mapping_nodes:,} values through its "
                    f"anchors and aliases (bound {setting('max_mapping_nodes')}); a 'billion laughs' mapping?",
                    fix="write the values out instead of nesting aliases of aliases")
        data = yaml.safe_load(text)
        json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")
        return data
    except UnicodeEncodeError as e:
        raise MappingError(f"{source}: the mapping holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)",
                           fix="write the character itself, or both halves of the pair") from e
    except RecursionError as e:
        raise MappingError(f"{source}: the mapping is nested too deeply to read", fix="flatten it") from e
    except yaml.YAMLError as e:
        raise MappingError(f"{source}: not valid YAML: {e}", fix="correct the YAML syntax") from e
