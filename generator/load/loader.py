"""YAML script to :class:`~generator.core.model.Session`, collecting every error with its place.

The loader reads the session's own keys (title, voice, variables, background, sections)
and hands each step and each background layer to its kind's parser, from the tables in
:mod:`generator.kinds.steps` and :mod:`generator.kinds.layers`; the kinds ask back through the small
API of :class:`Loader` (text with variables, sound files, voices, nested steps). Variables
are substituted, `include` and `repeat` expanded and relative paths resolved here, so the
planner sees only plain steps. The length check is its own pass over the finished model
(:func:`generator.load.length_check.least_seconds`). Nothing is synthesized or rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Mapping

from yaml.nodes import MappingNode, Node, ScalarNode

from generator.script import bounds, limits
from generator.core import model
from generator.load import length_check, settings
from generator.core.errors import Position, ScriptError, ScriptErrors, ScriptWarning, display_path
from generator.core.images import is_cover_image
from generator.script.narration import TextProblem, substitute
from generator.core.nearfiles import near_file_hint
from generator.kinds.steps import STEP_KINDS
from generator.load.takes import resolve_takes, take_files
from generator.core.units import parse_duration
from generator.load.voicekeys import read_pronounce, read_room
from generator.script.yamlnodes import _MISSING, MAX_SCRIPT_BYTES, NodeReader, compose, inner_position, iter_items
from generator.core.suggest import did_you_mean
from generator.core.cleantext import clean_values
from generator.load.winddown import wound_down

MAX_INCLUDED_BYTES = 4 * MAX_SCRIPT_BYTES
"""All the files one script includes, together: parsing is slow, so this caps the time."""

_SESSION_KEYS = (
    "title", "artist", "album", "description", "cover", "language", "length", "voice",
    "variables", "background", "sections", "loudness", "pronounce", "room",
)


def load_script(
    path: Path | str,
    variables: Mapping[str, str] | None = None,
    *,
    engine: str | None = None,
    required: tuple[str, ...] = (),
    used: set[str] | None = None,
    files: set[Path] | None = None,
    takes: bool = True,
) -> model.Session:
    """Load and validate one script. Raises :class:`ScriptErrors` listing every problem.

    `variables` override the script's `variables:` defaults (as `--set` does), and
    `engine` overrides every voice's engine (as `--engine` does). With `takes` (the
    default), every line of a recorded voice must have a good take or a fallback voice.
    Each name in `required` (the `--set` names) must be used by some text of the script
    or its includes, else it is an error: a misspelt `--set` would otherwise give a track
    with the default silently. `used`, when given, receives every variable name the texts
    use, and `files` every file included (what `meditate watch` watches besides the script).
    """
    path = Path(path)
    errors: list[ScriptError] = []
    shown = display_path(path)
    root = compose(path, shown, errors)
    session = None
    if root is not None:
        loader = Loader(path, shown, errors, dict(variables or {}), engine)
        try:
            session = loader.session(root)
            _check_required(required, loader, shown, errors)
        except RecursionError:  # a safety net: nesting limits should stop this first
            errors.append(ScriptError("the script nests too deeply to read", Position(shown)))
            session = None
        if used is not None:
            used.update(loader.used_variables)
        if files is not None:
            files.update(loader.included_files)
        if session is not None:
            length_check.check_length(session, lambda path: loader.budget.audio_seconds.get(path, Fraction(0)), loader.read, root)
        if session is not None and takes:
            session = resolve_takes(session, errors)
            session = replace(session, inputs=session.inputs + take_files(session))
    if session is not None and not errors:

        session = wound_down(session)
    if errors or session is None:
        raise ScriptErrors(errors or [ScriptError("the script could not be read", Position(shown))])
    return session


@dataclass(frozen=True)
class Place:
    """A file being read: where it is (for the include chain), its reader (errors at its
    lines) and the folder its relative paths start from."""

    path: Path
    read: NodeReader
    base: Path


class Loader:
    """One script being read: its reader, variables and includes, and every error found."""

    def __init__(self, path: Path, shown: str, errors: list[ScriptError], overrides: dict[str, str], engine: str | None):
        self.path = path
        self.errors = errors
        # the script, then each file included on the way to the one being read (the top)
        self.places: list[Place] = [Place(_resolved(path), NodeReader(path, shown, errors), path.parent)]
        self.budget = bounds.Budget()
        self.overrides = overrides
        self.engine_override = engine
        self.variables: dict[str, str] = {}
        self.max_total = limits.max_total_seconds()
        self.fill_nodes: list[tuple[Node, str]] = []
        self.used_variables: set[str] = set()  # every {name} met: --set names must be among them
        self.included_files: set[Path] = set()  # what `meditate watch` watches
        self.language_node: Node | None = None
        self.voice_nodes: dict[tuple[str, str], Node | None] = {}  # where each voice was chosen
        self.warned: set[str] = set()
        self.inputs: list[Path] = [path]  # every file read: outputs are kept off them (Session.inputs)

    @property
    def read(self) -> NodeReader:
        """The reader of the file being read."""
        return self.places[-1].read

    @property
    def base(self) -> Path:
        """The folder the file being read names relative paths from."""
        return self.places[-1].base

    # --- the session ---------------------------------------------------------------------

    def session(self, root: Node) -> model.Session | None:
        r = self.read
        entries = r.mapping(root, "the script", _SESSION_KEYS, required=("title", "sections"))
        if entries is None:
            return None
        self.variables = self._variables(entries.get("variables", (None, None))[1])
        fields: dict = {}
        title = self._text(entries, "title")
        for key in ("artist", "album", "description"):
            if key in entries:
                fields[key] = self._text(entries, key)
        _language(self, entries, fields)
        _cover(self, entries, fields)
        if "length" in entries:
            length = r.convert(entries["length"][1], "length", parse_duration)
            if length is not None:
                if length <= 0 or length > self.max_total:
                    r.error(entries["length"][1], f"length must be more than 0s and at most {limits.written_limit(self.max_total)}")
                else:
                    fields["length"] = length
                    fields["length_position"] = r.pos(entries["length"][1])
        if "loudness" in entries:
            loudness = r.number(entries["loudness"][1], "loudness (LUFS)", -40, -5)
            if loudness is not None:
                fields["loudness"] = loudness
        pronounce = read_pronounce(r, entries["pronounce"][1]) if "pronounce" in entries else ()
        if "room" in entries:
            fields["room"] = read_room(r, entries["room"][1])
        base_voice = model.Voice(language=fields.get("language", "en"), pronounce=pronounce)
        voice = self.voice(entries["voice"][1] if "voice" in entries else None, base_voice)
        if "background" in entries:
            background = self.background(entries["background"][1], section=False)
            if background is not None:
                fields["background"] = background
        sections = self.sections(entries["sections"][1], voice) if "sections" in entries else ()
        if "length" not in entries:
            for fill, label in self.fill_nodes:
                r.error(fill, f"{label} needs the script's length (add for example 'length: 20m' at the top)")
        if title is None or sections is None:
            return None
        session = model.Session(
            title=title,
            sections=tuple(sections),
            path=self.path,
            voice=voice,
            variables=tuple(sorted(self.variables.items())),
            inputs=tuple(dict.fromkeys([*self.inputs, *sorted(self.included_files)])),
            **fields,
        )
        settings.check_languages(self, session)
        return session

    def _variables(self, node: Node | None) -> dict[str, str]:
        values: dict[str, str] = {}
        if node is not None:
            entries = self.read.mapping(node, "variables", tuple(_names(node)))
            for name, value_node in iter_items(entries or {}):
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                    self.read.error(value_node, f"'{name}' is not a valid variable name (letters, digits, _)")
                    continue
                value = self.read.scalar(value_node, f"variable '{name}'")
                if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    values[name] = str(value)
                elif value is not None and value is not _MISSING:
                    self.read.error(value_node, f"variable '{name}' must be text")

        values.update(clean_values(self.overrides, lambda message: self.read.error(None, message)))  # --set, roster
        return values

    def _text(self, entries: dict, key: str, what: str | None = None) -> str | None:
        if key not in entries:
            return None
        node = entries[key][1]
        raw = self.read.text(node, what or key)
        if raw is None:
            return None
        text = self.substitute(raw, node)
        limit = limits.MAX_DESCRIPTION_CHARS if key == "description" else limits.MAX_NAME_CHARS
        if len(text) > limit:
            self.read.error(node, f"{what or key} is {len(text)} characters long; at most {limit}")
            return None
        return text

    # --- what step and layer kinds ask for (generator.kinds.steps._kind.LoadContext) -------------

    def substitute(self, raw: str, node: Node) -> str:
        text, problems = substitute(raw, self.variables, self.used_variables)
        self.report(problems, raw, node)
        return text

    def report(self, problems: list[TextProblem], raw: str, node: Node) -> None:
        for problem in problems:
            self.errors.append(ScriptError(problem.message, inner_position(self.read.pos(node), node, raw, problem.offset)))

    def _file(self, node: Node, what: str, suffixes: tuple[str, ...] | None = None) -> Path | None:
        raw = self.read.text(node, what)
        if raw is None:
            return None
        path = _resolved(self.base / raw) if not Path(raw).is_absolute() else Path(raw)
        if not path.is_file():
            self.read.error(node, f"{what} file '{raw}' not found (looked in {display_path(path.parent)})")
            return None
        if suffixes and path.suffix.lower() not in suffixes:
            self.read.error(node, f"{what} must be one of {', '.join(suffixes)}, got '{raw}'")
            return None
        self.inputs.append(path)
        return path

    def audio_file(self, node: Node, what: str) -> Path | None:
        """A sound file that exists and that libsndfile (or ffmpeg, when installed) can read.

        Probing the header here refuses a text file named `.wav` at its place in the
        script, before any speech is synthesized, and gives its length to the limit check.
        """
        path = self._file(node, what)
        return path if path is not None and bounds.sound_ok(self, node, what, path) else None

    def note_fill(self, node: Node, label: str = "pause: fill") -> None:
        self.fill_nodes.append((node, label))

    def warn(self, node: Node | None, message: str, *, once: str | None = None) -> None:
        """A problem that does not stop the script: printed, compiler-style, as a warning
        (only the first time for a given `once` key)."""
        import warnings

        if once is not None:
            if once in self.warned:
                return
            self.warned.add(once)
        warnings.warn(str(ScriptError(message, self.read.pos(node), severity="warning")), ScriptWarning, stacklevel=2)

    # --- voice and background (generator.load.settings) ---------------------------------------

    def voice(self, node: Node | None, base: model.Voice) -> model.Voice:
        return settings.read_voice(self, node, base)

    def background(self, node: Node, *, section: bool) -> model.Background | None:
        return settings.read_background(self, node, section=section)

    # --- sections and steps ----------------------------------------------------------------

    def sections(self, node: Node, voice: model.Voice) -> list[model.Section] | None:
        r = self.read
        items = r.sequence(node, "sections")
        if items is None:
            return None
        if not items:
            r.error(node, "sections must list at least one section")
            return None
        if len(items) > bounds.MAX_SECTIONS:
            r.error(node, f"a script may have at most {bounds.MAX_SECTIONS} sections (a track's chapter list holds no more), this one has {len(items)}")
            return None
        sections = []
        titles: dict[str, Node] = {}
        for item in items:
            entries = r.mapping(item, "a section", ("title", "steps", "background", "voice"), required=("title", "steps"))
            if entries is None:
                continue
            title = self._text(entries, "title", "section title")
            if title is not None:
                if title in titles:
                    r.error(entries["title"][1], f"two sections are titled '{title}' (first at line {r.pos(titles[title]).line}); chapters need distinct titles")
                titles[title] = entries["title"][1]
            section_voice = self.voice(entries["voice"][1], voice) if "voice" in entries else voice
            background = self.background(entries["background"][1], section=True) if "background" in entries else None
            steps = self.steps(entries["steps"][1], section_voice) if "steps" in entries else []
            if title is not None and steps is not None:
                if "steps" in entries and not getattr(entries["steps"][1], "value", True):
                    r.error(entries["steps"][1], f"section '{title}' has no steps")
                sections.append(model.Section(title, tuple(steps), r.pos(item), background))
        return sections

    def steps(self, node: Node, voice: model.Voice) -> list[model.Step] | None:
        items = self.read.sequence(node, "steps")
        if items is None:
            return None
        steps: list[model.Step] = []
        for item in items:
            steps.extend(self.step(item, voice))
        return steps

    def step(self, node: Node, voice: model.Voice) -> list[model.Step]:
        """One step, by its kind's parser; a repeat or include gives the steps it expands to."""
        kind_node = _step_kind(self.read, node)
        if kind_node is None:
            return []
        kind = STEP_KINDS[str(kind_node.value)]
        result = kind.parse(self, node.value[0][1], voice, kind_node)
        if isinstance(result, list):
            return result  # repeat and include count their own steps
        if result is None:
            return []
        self.count(kind.weight(result), kind_node)
        return [result]

    def weigh(self, steps: list[model.Step]) -> int:
        return sum(STEP_KINDS.of(step).weight(step) for step in steps)

    def count(self, events: int, node: Node) -> bool:
        """Add `events` to the script's expanded size; False (reported once) past MAX_EVENTS."""
        if self.budget.events + events > limits.MAX_EVENTS:
            if not self.budget.events_refused:
                self.budget.events_refused = True
                self.read.error(
                    node,
                    f"the script expands to more than {limits.MAX_EVENTS} steps, pauses, strikes and breaths "
                    "(check the repeats' times)",
                )
            return False
        self.budget.events += events
        return True

    def nested_steps(self, node: Node, voice: model.Voice, key: Node) -> list[model.Step] | None:
        if self.budget.nesting >= limits.MAX_NESTING:
            self.read.error(key, f"repeats nest deeper than {limits.MAX_NESTING} levels")
            return None
        self.budget.nesting += 1
        try:
            return self.steps(node, voice) or []
        finally:
            self.budget.nesting -= 1

    def include(self, node: Node, voice: model.Voice, what: str) -> list[model.Step]:
        """The `steps:` of the file `node` names, read with that file's own positions."""
        r = self.read
        raw = r.text(node, what)
        if raw is None:
            return []
        if not bounds.include_fits(self, node):
            return []
        target = _resolved(self.base / raw)
        chain = [place.path for place in self.places]
        if target in chain:
            r.error(node, f"include cycle: {' -> '.join(display_path(p) for p in chain + [target])}")
            return []
        if len(chain) >= limits.MAX_INCLUDE_DEPTH:
            r.error(node, f"includes nest deeper than {limits.MAX_INCLUDE_DEPTH} files")
            return []
        if not target.is_file():
            r.error(node, f"included file '{raw}' not found{near_file_hint(self.base, raw, ('.yaml', '.yml'))}")
            return []
        self.included_files.add(target)
        self.budget.included_bytes += target.stat().st_size
        if self.budget.included_bytes > MAX_INCLUDED_BYTES:
            r.error(node, f"the included files add up to more than {MAX_INCLUDED_BYTES} bytes")
            return []
        shown = display_path(target)
        included = compose(target, shown, self.errors)
        if included is None:
            return []
        self.places.append(Place(target, r.reading(target, shown), target.parent))
        try:  # read with the included file's own positions and folder, then back to the including one
            entries = self.read.mapping(included, "an included file", ("steps",), required=("steps",))
            steps = self.steps(entries["steps"][1], voice) if entries and "steps" in entries else []
        finally:
            self.places.pop()
        return steps or []


def _language(self: Loader, entries: dict, fields: dict) -> None:
    """The script's `language`, a code like `en` or `pt-BR`."""
    if "language" not in entries:
        return
    self.language_node = entries["language"][1]
    language = self.read.text(entries["language"][1], "language")
    if language is None:
        return
    if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", language):
        self.read.error(entries["language"][1], f"language must be a code like 'en' or 'en-GB', got '{language}'")
    else:
        fields["language"] = language

def _cover(self: Loader, entries: dict, fields: dict) -> None:
    """The script's cover: a PNG or JPEG of sensible size."""
    if "cover" not in entries:
        return
    node = entries["cover"][1]
    cover = self._file(node, "cover", suffixes=(".png", ".jpg", ".jpeg"))
    if cover is None:
        return
    if not is_cover_image(cover):
        self.read.error(node, f"cover '{cover.name}' is not a PNG or JPEG image")
    elif cover.stat().st_size > limits.MAX_COVER_BYTES:
        self.read.error(node, f"cover '{cover.name}' is larger than {limits.MAX_COVER_BYTES // 1_000_000} MB; players want a picture of a few hundred kB")
    else:
        fields["cover"] = cover


def _step_kind(r: NodeReader, node: Node) -> ScalarNode | None:
    """The key naming a step's kind; None when the step is not a one-key mapping of a
    known kind (reported, with what was meant where it can be guessed)."""
    names = tuple(STEP_KINDS)
    if isinstance(node, ScalarNode):
        if not r.visit(node):
            return None  # a refused tag, already reported
        word = str(node.value)
        if word in STEP_KINDS:
            r.error(node, f"step '{word}' needs a value after a colon, as in '{word}: ...'")
        elif not word.strip() or word == "~":
            r.error(node, "an empty step: write one such as 'say: Hello'")
        else:
            r.error(node, f"unknown step '{word}'{did_you_mean(word, names)}; a step is a mapping such as 'say: Hello'")
        return None
    if not isinstance(node, MappingNode) or len(node.value) != 1:
        if isinstance(node, MappingNode) and node.value:
            keys = [str(k.value) for k, _ in node.value]
            known = [k for k in keys if k in STEP_KINDS]
            if len(known) > 1 or not known:
                r.error(node, f"a step has exactly one kind ({', '.join(names)}); found {', '.join(keys)}")
                return None
            extra = [k for k in keys if k not in STEP_KINDS][0]
            options = STEP_KINDS[known[0]].options
            takes = f"{known[0]} takes {', '.join(options)}" if options else f"{known[0]} takes no options"
            r.error(node.value[keys.index(extra)][0], f"unknown key '{extra}' beside '{known[0]}': put a step's options under it ({takes})")
            return None
        r.error(node, f"a step must be one of {', '.join(names)}")
        return None
    key_node = node.value[0][0]
    if str(key_node.value) not in STEP_KINDS:
        r.error(key_node, f"unknown step '{key_node.value}'{did_you_mean(str(key_node.value), names)}")
        return None
    return key_node


def _check_required(required: tuple[str, ...], loader: Loader, shown: str, errors: list[ScriptError]) -> None:
    """An error for each `--set` name no text of the script uses."""
    used = loader.used_variables
    for name in required:
        if name in used:
            continue
        same_case = [u for u in sorted(used) if u.lower() == name.lower()]
        hint = f" (did you mean '{same_case[0]}'?)" if same_case else did_you_mean(name, used | set(loader.variables) - {name})
        known = ", ".join(sorted(used)) or "none"
        errors.append(ScriptError(
            f"--set {name}: no text of the script uses '{{{name}}}'{hint}; the variables it uses: {known}",
            Position(shown),
        ))


def _resolved(path: Path) -> Path:
    """`path` made absolute and free of links; a symbolic link loop stays as it is (it is
    then simply not a file, and reported as not found, instead of raising)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path.absolute()


def _names(node: Node) -> list[str]:
    if isinstance(node, MappingNode):
        return [str(k.value) for k, _ in node.value if isinstance(k, ScalarNode)]
    return []
