"""YAML syntax errors in the script's own words, each with the fix.

PyYAML stops at the first syntax error and words it for parser writers ("mapping values
are not allowed here", "expected <block end>"), often a line after the real mistake.
Here the text is looked at as a person wrote it: a colon inside spoken text, a tab in
the indentation, a key without its colon, a value beginning with `{`, a line indented
differently from its neighbours. The parser's error is translated at the right line,
and, since the parser cannot go on, the text is scanned for more mistakes of the kinds
that can be recognized on their own line (tabs, colons in text, values beginning with
`{`), so a script with three such mistakes shows three errors at once.

Only a file that failed to parse is scanned: a valid script never gets these messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_KEY_LINE = re.compile(r"^(?P<indent> *)(?P<dash>(?:- +)*)(?P<key>[A-Za-z_][\w-]*) *:(?= |$)(?P<rest>.*)$")
_BARE_WORD = re.compile(r"^(?P<indent> *)(?P<dash>(?:- +)*)(?P<word>[A-Za-z_][\w-]*)(?P<after>(?: +[^:#\s][^:#]*)?) *(?:#.*)?$")
_BLOCK_START = re.compile(r"^ *[|>][+-]?\d?[+-]? *(?:#.*)?$")
_COMMENT = re.compile(r"(?:^| )#.*$")


@dataclass(frozen=True)
class Hint:
    """One syntax problem: 1-based line and column, and the message with its fix."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    text: str
    indent: int
    key: str | None  # the key this line opens, if it is `key: ...` (after any `- `)
    key_column: int  # 0-based column of that key (or of the content after `- `)
    dash: bool
    value: str  # what follows `key:` (stripped), or the content after `- `
    value_column: int  # 0-based column where `value` starts


def _parse_line(number: int, text: str) -> _Line:
    stripped = text.lstrip(" ")
    indent = len(text) - len(stripped)
    match = _KEY_LINE.match(text)
    if match:
        key_column = match.start("key")
        rest = match.group("rest")
        value = rest.strip()
        value_column = match.end("key") + 1 + (len(rest) - len(rest.lstrip()))
        return _Line(number, text, indent, match.group("key"), key_column, bool(match.group("dash")), value, value_column)
    dash = re.match(r"^ *((?:- +)*)", text)
    content_column = dash.end() if dash else indent
    return _Line(number, text, indent, None, content_column, bool(dash and dash.group(1)), text[content_column:].strip(), content_column)


def _content_lines(text: str) -> list[_Line]:
    """Every line that holds YAML structure: blank lines, comments and the contents of
    block scalars (`say: |`) and of unclosed quotes are left out."""
    lines = text.split("\n")
    out: list[_Line] = []
    block_parent: int | None = None  # lines indented more than this belong to a block scalar
    quote: str | None = None
    for index, raw in enumerate(lines):
        raw = raw.rstrip("\r")
        if quote is not None:
            if _closes_quote(raw, quote):
                quote = None
            continue
        stripped = raw.strip()
        if block_parent is not None:
            if not stripped or len(raw) - len(raw.lstrip(" \t")) > block_parent:
                continue
            block_parent = None
        if not stripped or stripped.startswith("#"):
            continue
        line = _parse_line(index + 1, raw)
        out.append(line)
        if line.key is not None and _BLOCK_START.match(line.value):
            block_parent = line.key_column
        elif line.value[:1] in ("'", '"') and not _closes_quote(line.value[1:], line.value[0]):
            quote = line.value[0]
    return out


def _closes_quote(text: str, quote: str) -> bool:
    if quote == "'":
        return text.replace("''", "").count("'") % 2 == 1
    return len(re.findall(r'(?<!\\)"', text)) % 2 == 1


def _plain_value(value: str) -> str:
    """A plain value without its trailing comment."""
    return _COMMENT.sub("", value).rstrip()


def scan(text: str) -> list[Hint]:
    """Mistakes recognizable on their own line: tabs, colons in text, values beginning with `{`."""
    hints: list[Hint] = []
    for line in _content_lines(text):
        lead = line.text[: len(line.text) - len(line.text.lstrip(" \t"))]
        if "\t" in lead:
            hints.append(Hint(line.number, lead.index("\t") + 1, "a tab in the indentation: indent with spaces (YAML does not allow tabs there)"))
            continue
        if line.key is None or not line.value:
            continue
        first = line.value[0]
        if first == "{":
            hint = _brace_value(line)
            if hint:
                hints.append(hint)
            continue
        if first in "\"'[|>&*!%@`":
            continue
        value = _plain_value(line.value)
        colon = _inner_colon(value)
        if colon is not None:
            hints.append(Hint(line.number, line.value_column + colon + 1, _colon_message(line.key, value)))
    return hints


def _inner_colon(value: str) -> int | None:
    """Offset of a `: ` (or a final `:`) inside a plain value, which YAML reads as a new key."""
    match = re.search(r":(?= |$)", value)
    return match.start() if match else None


def _colon_message(key: str, value: str) -> str:
    quoted = value.replace('"', '\\"')
    return (
        f"a colon inside the text of '{key}' (YAML reads it as a new key): quote the text, "
        f"as in '{key}: \"{_short(quoted)}\"', or write '{key}: |' and the text on the next lines, indented"
    )


def _brace_value(line: _Line) -> Hint | None:
    """A value like `{name}'s Evening`: YAML reads `{` as the start of a mapping."""
    value = line.value
    depth = 0
    end = None
    for i, ch in enumerate(value):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            end = i
            break
    rest = _plain_value(value[end + 1 :]).strip() if end is not None else ""
    if end is not None and not rest:
        return None  # a whole flow mapping such as {pattern: 4-7-8, cycles: 4}: valid YAML
    if end is None and (":" in value or "," in value):
        return None  # an unclosed flow mapping spreading over lines: the parser's message stands
    shown = _plain_value(value).replace('"', '\\"')
    return Hint(
        line.number, line.value_column + 1,
        f"a value beginning with '{{' is read as a mapping, not text: quote it: '{line.key}: \"{_short(shown)}\"'",
    )


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain(text: str, exc: yaml.MarkedYAMLError) -> Hint | None:
    """The parser's first error in plain words at the place to fix, or None if not understood."""
    mark = exc.problem_mark
    if mark is None:
        return None
    lines = {line.number: line for line in _content_lines(text)}
    raw_lines = text.split("\n")
    problem = exc.problem or ""
    context = exc.context or ""
    line_no = mark.line + 1
    if "character '\\t'" in problem or "'\\t'" in problem:
        return Hint(line_no, mark.column + 1, "a tab in the indentation: indent with spaces (YAML does not allow tabs there)")
    if context.startswith("while scanning a simple key") and exc.context_mark is not None:
        return _missing_colon(exc.context_mark.line + 1, raw_lines)
    if problem.startswith("mapping values are not allowed"):
        return _misplaced_colon(line_no, mark.column, raw_lines, lines)
    if problem.startswith("expected <block end>"):
        return _bad_indentation(line_no, lines)
    if context.startswith("while parsing a flow") and exc.context_mark is not None:
        start = exc.context_mark
        opened = "[" if "sequence" in context else "{"
        closer = "]" if opened == "[" else "}"
        return Hint(
            start.line + 1, start.column + 1,
            f"this '{opened}' is never closed: end it with '{closer}', or quote the value if it is text",
        )
    if "while scanning a quoted scalar" in context and exc.context_mark is not None:
        start = exc.context_mark
        return Hint(start.line + 1, start.column + 1, "this quote is never closed: end the text with the same quote mark")
    return None


def _missing_colon(line_no: int, raw_lines: list[str]) -> Hint | None:
    raw = raw_lines[line_no - 1].rstrip("\r") if line_no <= len(raw_lines) else ""
    match = _BARE_WORD.match(raw)
    if not match:
        return None
    word = match.group("word")
    after = match.group("after").strip()
    fix = f"'{word}: {after}'" if after else f"'{word}:'"
    return Hint(line_no, match.end("word") + 1, f"'{word}' needs a colon after it: write {fix}")


def _misplaced_colon(line_no: int, column: int, raw_lines: list[str], lines: dict[int, _Line]) -> Hint | None:
    """`mapping values are not allowed here`: a colon in text, or a key after a line that
    has no colon (or that this line is indented under by mistake)."""
    line = lines.get(line_no) or _parse_line(line_no, raw_lines[line_no - 1].rstrip("\r"))
    if line.key is not None and column > line.key_column + len(line.key):
        return Hint(line_no, column + 1, _colon_message(line.key, _plain_value(line.value)))
    previous = _previous(lines, line_no)
    if previous is None:
        return None
    if previous.key is None:
        bare = _missing_colon(previous.number, raw_lines)
        if bare is not None:
            return bare
    if previous.key is not None and line.indent > previous.key_column and line.key is not None:
        return _indent_hint(line, previous.key_column, previous, by_key=True)
    return None


def _previous(lines: dict[int, _Line], line_no: int) -> _Line | None:
    earlier = [n for n in lines if n < line_no]
    return lines[max(earlier)] if earlier else None


def _bad_indentation(line_no: int, lines: dict[int, _Line]) -> Hint | None:
    """`expected <block end>`: the line is indented unlike the list or keys it belongs to."""
    line = lines.get(line_no)
    if line is None:
        return None
    earlier = [lines[n] for n in sorted(lines) if n < line_no]
    if line.dash:
        for other in reversed(earlier):
            if other.dash and other.indent != line.indent:
                return _indent_hint(line, other.indent, other, by_key=False)
        return None
    word = line.key or (line.value.split() or ["this"])[0]
    for index in range(len(earlier) - 1, -1, -1):
        other = earlier[index]
        if other.indent > line.indent:
            continue
        if other.dash and other.indent == line.indent and other.key is not None:
            return Hint(
                line.number, line.indent + 1,
                f"'{word}' is indented {_spaces(line.indent)}, where the items of the list start (line {other.number}): "
                f"to belong to the item above, indent it {other.key_column} like '{other.key}'; to start a new item, write '- {word}:'",
            )
        if other.dash and other.key is not None:
            return _indent_hint(line, other.key_column, other, by_key=True)
        children = [c for c in earlier[index + 1 :] if c.indent > other.indent]
        if children:
            return _indent_hint(line, children[0].key_column if children[0].key else children[0].indent, children[0], by_key=bool(children[0].key))
        return None
    return None


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _indent_hint(line: _Line, expected: int, neighbour: _Line, *, by_key: bool = True) -> Hint:
    like = f"'{neighbour.key}'" if by_key and neighbour.key else f"'{_short(neighbour.text.strip(), 30)}'"
    return Hint(
        line.number, line.indent + 1,
        f"wrong indentation: '{_short(line.text.strip(), 40)}' is indented {_spaces(line.indent)}; "
        f"indent it {_spaces(expected)}, like {like} on line {neighbour.number}",
    )


def hints(text: str, exc: yaml.MarkedYAMLError) -> tuple[list[Hint], bool]:
    """Every syntax problem worth showing (the parser's, translated, and the scan's), and
    whether the parser's own words should be shown too (when nothing here explains them).

    The scan's message wins on a line both report; an untranslated parser message is
    kept only when the scan found nothing before it (otherwise it is usually a
    consequence of an earlier mistake, like an 'unexpected end of stream' after a `{`).
    """
    found = scan(text)
    first = explain(text, exc)
    mark = exc.problem_mark
    error_line = mark.line + 1 if mark else 0
    keep_parser = False
    if first is not None:
        if all(h.line != first.line for h in found):
            found.append(first)
    else:
        keep_parser = not any(h.line <= error_line for h in found)
    return sorted(found, key=lambda h: (h.line, h.column)), keep_parser
