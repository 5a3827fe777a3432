"""Reading YAML through PyYAML's node graph, so every value keeps its file:line:col.

Only the safe core schema is accepted: any other tag (such as ``!!python/object``) is an
error rather than something to construct, and aliases are followed under a budget so an
exponential "billion laughs" document is refused instead of eating the machine.
"""

from __future__ import annotations

from generator.core.suggest import did_you_mean
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.core.errors import Position, ScriptError
from generator.core.cleantext import describe as describe_char, forbidden_at
from generator.core.units import parse_duration
from generator.core.units import parse_volume
from generator.script.yamlhints import hints

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}

NODE_BUDGET = 200_000
"""How many nodes one document may visit, aliases counted each time they are used."""

MAX_VALUE_CHARS = 100
"""A duration, volume, frequency or glide is a few characters; a 5,000-digit number is a
mistake (and would reach Python's limit on converting digits)."""

MAX_SCRIPT_BYTES = 512_000
"""Scripts are text written by people (half a megabyte is some five hours of narration);
anything bigger is refused before parsing, which would otherwise take many seconds."""


@dataclass
class _Visits:
    """Nodes visited while one script loads, shared by the readers of all its files."""

    count: int = 0


class NodeReader:
    """Turns nodes into plain values, recording every problem instead of stopping at one."""

    def __init__(self, path: Path, shown: str, errors: list[ScriptError], *, visits: _Visits | None = None):
        self.path = path
        self.shown = shown
        self.errors = errors
        self._visits = visits if visits is not None else _Visits()
        self.exhausted = False

    @property
    def visits(self) -> int:
        """Nodes visited so far, by this reader and the readers of the files it led to."""
        return self._visits.count

    def reading(self, path: Path, shown: str) -> "NodeReader":
        """A reader of another file (an include): its own positions, the same errors and
        the same node budget, so includes cannot multiply it."""
        return NodeReader(path, shown, self.errors, visits=self._visits)

    # --- positions and errors ----------------------------------------------------------

    def pos(self, node: Node | None) -> Position:
        if node is None:
            return Position(self.shown)
        mark = node.start_mark
        return Position(self.shown, mark.line + 1, mark.column + 1)

    def error(self, node: Node | None, message: str) -> None:
        self.errors.append(ScriptError(message, self.pos(node)))

    def visit(self, node: Node) -> bool:
        """Count a node against the budget; False once the document is too big to read."""
        self._visits.count += 1
        if self._visits.count > NODE_BUDGET:
            if not self.exhausted:
                self.exhausted = True
                self.error(node, f"the document is too large or nests aliases too deeply (over {NODE_BUDGET} nodes)")
            return False
        if node.tag not in _CORE_TAGS:
            self.error(node, f"unsupported YAML tag '{node.tag}': scripts may only hold plain values")
            return False
        return True

    # --- shapes ------------------------------------------------------------------------

    def mapping(
        self, node: Node, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> dict[str, tuple[ScalarNode, Node]] | None:
        """A mapping's entries by key, with unknown, duplicate and missing keys reported."""
        if not self.visit(node):
            return None
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping of keys to values, got {describe(node)}")
            return None
        out: dict[str, tuple[ScalarNode, Node]] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == "<<":
                self.error(key_node, "YAML merge keys ('<<') are not supported in scripts")
                continue
            if not isinstance(key_node, ScalarNode) or not self.visit(key_node):
                self.error(key_node, f"keys in {what} must be plain words")
                continue
            key = str(key_node.value)
            if key in out:
                first = self.pos(out[key][0])
                self.error(key_node, f"duplicate key '{key}' in {what} (first given at line {first.line})")
                continue
            if key not in allowed:
                hint = braced_text_hint(node)
                if hint:
                    self.error(node, f"{what} got a mapping instead of text{hint}")
                    return None
                self.error(key_node, f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}{valid_keys(allowed)}")
                continue
            out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                self.error(node, f"{what} needs '{key}'")
        return out

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not self.visit(node):
            return None
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what} must be a list, got {describe(node)}")
            return None
        return list(node.value)

    def scalar(self, node: Node, what: str) -> object:
        """A scalar's Python value (str, int, float, bool or None); `_MISSING` if not a scalar,
        or if it holds a character no text may hold (see generator.core.cleantext)."""
        if not self.visit(node):
            return _MISSING
        if not isinstance(node, ScalarNode):
            self.error(node, f"{what} must be a single value, got {describe(node)}{braced_text_hint(node)}")
            return _MISSING
        try:
            value = scalar_value(node)
        except ScalarError as exc:
            self.error(node, f"{what}: {exc}")
            return _MISSING
        if isinstance(value, str):

            at = forbidden_at(value)
            if at is not None:
                hint = " (write a line break as a real new line)" if value[at] in "\x0b\x0c\r\x85" else ""
                self.error(node, f"{what} holds the invisible character {describe_char(value[at])} "
                                 f"at character {at + 1}; remove it{hint}")
                return _MISSING
        return value

    def text(self, node: Node, what: str, *, allow_empty: bool = False) -> str | None:
        value = self.scalar(node, what)
        if value is _MISSING:
            return None
        if value is None or isinstance(value, (bool, list, dict)):
            self.error(node, f"{what} must be text, got {describe(node)}")
            return None
        text = str(value) if not isinstance(value, str) else value
        if not allow_empty and not text.strip():
            self.error(node, f"{what} must not be empty")
            return None
        return text

    def convert(self, node: Node, what: str, parse, *extra) -> object:
        """Parse a scalar with one of the `units` parsers; the parser's ValueError becomes an error."""
        value = self.scalar(node, what)
        if value is _MISSING:
            return None
        if len(str(node.value if isinstance(node, ScalarNode) else value)) > MAX_VALUE_CHARS:
            self.error(node, f"{what} is {len(str(node.value))} characters long: not a value this tool can use")
            return None
        try:
            return parse(value, *extra)
        except ValueError as exc:
            shown = node.value if isinstance(node, ScalarNode) else value
            suggestion = getattr(exc, "suggestion", "")
            fix = f": write it as {suggestion}" if suggestion else ""
            self.error(node, f"{what} must be {exc}, got '{shorten(str(shown))}'{fix}")
            return None

    def duration(self, node: Node, what: str, at_most: int, limit: str):
        """A duration (exact Fraction seconds) no longer than `at_most` seconds (`limit` says it)."""

        value = self.convert(node, what, parse_duration)
        if value is not None and value > at_most:
            self.error(node, f"{what} must be at most {limit}")
            return None
        return value

    def volume(self, node: Node, what: str = "volume") -> float | None:
        """A level in dB relative to the voice, within what a mix can sensibly use."""

        value = self.convert(node, what, parse_volume)
        if value is not None and not -120 <= value <= 12:
            self.error(node, f"{what} must be between -120dB and 12dB, got {value:g}dB")
            return None
        return value

    def integer(self, node: Node, what: str, low: int, high: int) -> int | None:
        value = self.scalar(node, what)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(node, f"{what} must be a whole number, got '{shorten(str(getattr(node, 'value', value)))}'")
            return None
        if not low <= value <= high:
            self.error(node, f"{what} must be between {low} and {high}, got {shorten(str(node.value))}")
            return None
        return value

    def number(self, node: Node, what: str, low: float, high: float) -> float | None:
        value = self.scalar(node, what)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(node, f"{what} must be a number, got '{shorten(str(getattr(node, 'value', value)))}'")
            return None
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            number = math.inf if value > 0 else -math.inf
        if not low <= number <= high:
            self.error(node, f"{what} must be between {low:g} and {high:g}, got {shorten(str(getattr(node, 'value', value)))}")
            return None
        return number


def valid_keys(allowed: tuple[str, ...] | list[str]) -> str:
    """`"; valid keys: a, b, c"`, so a user never has to look the keys up."""
    return f"; valid keys: {', '.join(allowed)}" if allowed else ""


def braced_text_hint(node: Node) -> str:
    """Advice for `artist: {practitioner}`: YAML read the braces as a mapping, while the
    writer meant text holding a variable. Empty for any other node."""
    if not isinstance(node, MappingNode) or not node.flow_style or not node.value:
        return ""
    for key, value in node.value:
        if not isinstance(key, ScalarNode) or not isinstance(value, ScalarNode) or value.value != "" or key.style:
            return ""
    braces = "{" + ", ".join(str(k.value) for k, _ in node.value) + "}"
    mark = node.start_mark
    prefix = ""
    if mark.buffer:
        line_start = mark.buffer.rfind("\n", 0, mark.pointer) + 1
        prefix = mark.buffer[line_start : mark.pointer].strip().lstrip("-").strip()
    example = f'{prefix} "{braces}"'.strip()
    return f": a value beginning with '{{' is read as a mapping; quote it: '{example}'"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


class ScalarError(ValueError):
    """A scalar whose explicit tag does not fit its text, such as `!!bool "Evening"`."""


def scalar_value(node: ScalarNode) -> object:
    """The value the safe loader would give a scalar (timestamps stay text).

    An integer too long for Python to convert stays text (its range check then reports it);
    an explicit tag that does not fit (`!!bool "Evening"`, `!!int "x"`) raises ScalarError."""
    tag = node.tag
    if tag == "tag:yaml.org,2002:null":
        if node.value not in ("", "~", "null", "Null", "NULL"):
            raise ScalarError(f"'{shorten(str(node.value))}' is not a valid !!null value")
        return None
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"):
        constructor = yaml.SafeLoader.yaml_constructors[tag]
        try:
            return constructor(_CONSTRUCTOR, node)
        except (ValueError, KeyError, TypeError, IndexError, yaml.YAMLError):
            if tag == "tag:yaml.org,2002:int" and re.fullmatch(r"[-+]?[0-9_]+", str(node.value)):
                return node.value  # hundreds of digits: too big to convert, refused by range
            raise ScalarError(f"'{shorten(str(node.value))}' is not a valid !!{tag.rsplit(':', 1)[1]} value") from None
    return node.value


_CONSTRUCTOR = yaml.SafeLoader("")


def describe(node: Node) -> str:
    """How a node looks to a user: 'a list', 'a mapping', 'the number 3', 'the text ...'."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    try:
        value = scalar_value(node) if isinstance(node, ScalarNode) else None
    except ScalarError:
        return f"'{shorten(str(node.value))}'"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{node.value}'"
    if isinstance(value, (int, float)):
        return f"the number {node.value}"
    return f"'{shorten(str(value))}'"


def shorten(text: str, limit: int = 40) -> str:
    """Text fit to quote in one error line: whitespace collapsed, long text cut with '…'."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def compose(path: Path, shown: str, errors: list[ScriptError]) -> Node | None:
    """Read and compose one YAML document; problems become errors with the file's position."""
    try:
        with open(path, "rb") as handle:  # never more than the limit: /proc files claim size 0
            data = handle.read(MAX_SCRIPT_BYTES + 1)
    except FileNotFoundError:
        errors.append(ScriptError("no such file", Position(shown)))
        return None
    except IsADirectoryError:
        errors.append(ScriptError("is a folder, not a script file", Position(shown)))
        return None
    except OSError as exc:
        errors.append(ScriptError(f"cannot read the file: {exc.strerror or exc}", Position(shown)))
        return None
    if len(data) > MAX_SCRIPT_BYTES:
        errors.append(ScriptError(f"the file is too large for a script (more than {MAX_SCRIPT_BYTES} bytes)", Position(shown)))
        return None
    if b"\x00" in data:
        errors.append(ScriptError("this is a binary file, not a YAML script", Position(shown)))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        errors.append(ScriptError("the file is not valid UTF-8 text", Position(shown, line, column)))
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:

        found, keep_parser = hints(text, exc)
        errors.extend(ScriptError(h.message, Position(shown, h.line, h.column)) for h in found)
        if not keep_parser:
            return None
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join((exc.problem or "invalid YAML").split())
        if exc.context and "while scanning" not in exc.context:
            problem = f"{problem} ({exc.context})"
        position = Position(shown, mark.line + 1, mark.column + 1) if mark else Position(shown)
        errors.append(ScriptError(f"invalid YAML: {problem}", position))
        return None
    except yaml.reader.ReaderError as exc:  # a control character: not text a person typed
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        errors.append(ScriptError(f"invalid YAML: the control character #x{code:04x} is not allowed in a script", Position(shown, line, column)))
        return None
    except yaml.YAMLError as exc:
        errors.append(ScriptError(f"invalid YAML: {' '.join(str(exc).split())}", Position(shown)))
        return None
    except RecursionError:  # PyYAML's composer recurses once per level of nesting
        errors.append(ScriptError("invalid YAML: lists and mappings nest too deeply", Position(shown)))
        return None
    if node is None:
        errors.append(ScriptError("the file is empty", Position(shown)))
    return node


def iter_items(entries: dict[str, tuple[ScalarNode, Node]]) -> Iterator[tuple[str, Node]]:
    for key, (_, value) in entries.items():
        yield key, value


def inner_position(base: Position, node: Node, text: str, offset: int) -> Position:
    """Best place inside a (possibly multi-line) scalar for a problem at `offset`."""
    if not isinstance(node, ScalarNode) or base.line <= 0:
        return base
    line_in_text = text.count("\n", 0, offset)
    if node.style in ("|", ">"):
        line = base.line + 1 + line_in_text
        column_in_line = offset - (text.rfind("\n", 0, offset) + 1)
        return Position(base.path, line, column_in_line + 1 + block_indent(node))
    if line_in_text == 0:
        quote = 1 if node.style in ("'", '"') else 0
        return Position(base.path, base.line, base.column + quote + offset)
    return Position(base.path, base.line + line_in_text, 1)


def block_indent(node: ScalarNode) -> int:
    """The indentation of a block scalar's content, read from the source buffer."""
    buffer = node.start_mark.buffer
    if not buffer:
        return 0
    start = buffer.find("\n", node.start_mark.pointer) + 1
    line = buffer[start : buffer.find("\n", start)]
    return len(line) - len(line.lstrip(" "))
