"""YAML script to :class:`~generator.model.Session`, collecting every error with its place.

Variables are substituted, `include` and `repeat` expanded and relative paths resolved
here, so the planner sees only plain steps. Nothing is synthesized or rendered.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Mapping

from yaml.nodes import MappingNode, Node, ScalarNode

from generator import model, patterns
from generator.errors import InputError, Position, ScriptError, ScriptErrors, display_path
from generator.narration import MAX_TEXT_CHARS, TextProblem, split_narration, substitute
from generator.units import format_duration, parse_duration, parse_gain_db, parse_glide
from generator.voicekeys import read_pronounce, read_room
from generator.yamlnodes import _MISSING, MAX_SCRIPT_BYTES, NodeReader, compose, did_you_mean, iter_items, shorten

ENGINES = ("piper", "gtts")
DEFAULT_VOICE_NAMES = {"piper": "en_US-joe-medium", "gtts": "com"}
MAX_TOTAL_SECONDS = 12 * 3600
"""The default longest track: scripts lasting more are refused before any work.
`MEDITATE_MAX_LENGTH` (a duration such as `20h`) sets another limit; see max_total_seconds()."""

MAX_LENGTH_ENV = "MEDITATE_MAX_LENGTH"

MAX_EVENTS = 200_000
"""The most timeline entries (utterances, gaps, pauses, bell strikes, breathing phases) a
script may expand to through repeats and includes: a bound on memory, not on art."""

MAX_NESTING = 30
"""Repeats inside repeats deeper than this are a mistake (and would exhaust the stack)."""

MAX_INCLUDED_BYTES = 4 * MAX_SCRIPT_BYTES
"""All the files one script includes, together: parsing is slow, so this caps the time."""

SPEECH_CHARS_PER_SECOND = 40
"""A lower bound on how long speech lasts: no voice speaks faster than this at speed 1
(a calm narrator speaks about 13 characters a second), so the up-front length check
never refuses a script that would fit."""

BELL_STRIKE_MIN_SECONDS = Fraction(1, 5)
"""The shortest built-in bell (woodblock) rings about 0.21 s: a lower bound per strike."""

MAX_NAME_CHARS = 300
"""Titles, artist, album and section titles: they become tags, chapter names and file names."""

MAX_DESCRIPTION_CHARS = 4000
"""The description becomes a tag comment and a feed description (podcast apps cut at 4000)."""

MAX_COVER_BYTES = 16_000_000
"""A cover is embedded in every track (and copied by players): a few hundred kB is usual."""

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def max_total_seconds() -> Fraction:
    """The longest track allowed: MEDITATE_MAX_LENGTH if set (e.g. `20h`), else 12 h."""
    raw = os.environ.get(MAX_LENGTH_ENV, "").strip()
    if not raw:
        return Fraction(MAX_TOTAL_SECONDS)
    try:
        value = parse_duration(raw)
    except ValueError:
        value = Fraction(0)
    if not 0 < value <= 1000 * 3600:
        raise InputError(f"{MAX_LENGTH_ENV} must be a duration like '12h' or '90m' (at most 1000h), got '{raw}'")
    return value

_SESSION_KEYS = (
    "title", "artist", "album", "description", "cover", "language", "length", "voice",
    "variables", "background", "sections", "loudness", "pronounce", "room",
)
_VOICE_KEYS = ("engine", "name", "speed", "sentence_pause", "paragraph_pause")
_BACKGROUND_KEYS = ("fade_in", "fade_out", "duck", "duck_attack", "duck_release", "crossfade", "layers")
_SECTION_BACKGROUND_KEYS = ("crossfade", "layers")
_LAYER_SOURCES = ("tone", "binaural", "isochronic", "noise", "file")
_STEPS = ("say", "pause", "bell", "breathe", "play", "repeat", "include")
_NOISE_COLORS = ("white", "pink", "brown")
_CUES = ("voice", "tone", "both", "none")
_BREATH_WORDS = ("inhale", "hold", "exhale", "rest")
_GTTS_TLD = re.compile(r"[a-z]{2,3}(\.[a-z]{2,3})?")
MAX_REPEAT = 1000
MAX_INCLUDE_DEPTH = 20


def load_script(
    path: Path | str,
    variables: Mapping[str, str] | None = None,
    *,
    engine: str | None = None,
) -> model.Session:
    """Load and validate one script. Raises :class:`ScriptErrors` listing every problem.

    `variables` override the script's `variables:` defaults (as `--set` does), and
    `engine` overrides every voice's engine (as `--engine` does).
    """
    path = Path(path)
    errors: list[ScriptError] = []
    shown = display_path(path)
    root = compose(path, shown, errors)
    session = None
    if root is not None:
        loader = _Loader(path, shown, errors, dict(variables or {}), engine)
        try:
            session = loader.session(root)
        except RecursionError:  # a safety net: nesting limits should stop this first
            errors.append(ScriptError("the script nests too deeply to read", Position(shown)))
            session = None
    if errors or session is None:
        raise ScriptErrors(errors or [ScriptError("the script could not be read", Position(shown))])
    return session


class _Loader:
    def __init__(self, path: Path, shown: str, errors: list[ScriptError], overrides: dict[str, str], engine: str | None):
        self.path = path
        self.base = path.parent
        self.errors = errors
        self.read = NodeReader(path, shown, errors)
        self.overrides = overrides
        self.engine_override = engine
        self.variables: dict[str, str] = {}
        self.include_stack: list[Path] = [_resolved(path)]
        self.total_fixed = Fraction(0)
        self.total_speech = Fraction(0)  # a lower bound: see SPEECH_CHARS_PER_SECOND
        self.max_total = max_total_seconds()
        self.events = 0
        self.over_budget = False
        self.nesting = 0
        self.included_bytes = 0
        self.audio_seconds: dict[Path, Fraction] = {}
        self.fill_nodes: list[Node] = []

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
        if "language" in entries:
            language = r.text(entries["language"][1], "language")
            if language is not None:
                if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", language):
                    r.error(entries["language"][1], f"language must be a code like 'en' or 'en-GB', got '{language}'")
                else:
                    fields["language"] = language
        if "cover" in entries:
            cover = self._file(entries["cover"][1], "cover", suffixes=(".png", ".jpg", ".jpeg"))
            if cover is not None and not _is_image(cover):
                r.error(entries["cover"][1], f"cover '{cover.name}' is not a PNG or JPEG image")
            elif cover is not None and cover.stat().st_size > MAX_COVER_BYTES:
                r.error(entries["cover"][1], f"cover '{cover.name}' is larger than {MAX_COVER_BYTES // 1_000_000} MB; players want a picture of a few hundred kB")
            elif cover is not None:
                fields["cover"] = cover
        if "length" in entries:
            length = r.convert(entries["length"][1], "length", parse_duration)
            if length is not None:
                if length <= 0 or length > self.max_total:
                    r.error(entries["length"][1], f"length must be more than 0s and at most {_limit(self.max_total)}")
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
            for fill in self.fill_nodes:
                r.error(fill, "pause: fill needs the script's length (add for example 'length: 20m' at the top)")
        least = self.total_fixed + self.total_speech
        if least > self.max_total:
            r.error(
                root,
                f"the script lasts at least {format_duration(float(least))} ({format_duration(float(self.total_fixed))} "
                f"of pauses, bells and breathing, at least {format_duration(float(self.total_speech))} of speech); "
                f"a track may last at most {_limit(self.max_total)} (set {MAX_LENGTH_ENV} to change it)",
            )
        if title is None or sections is None:
            return None
        return model.Session(
            title=title,
            sections=tuple(sections),
            path=self.path,
            voice=voice,
            variables=tuple(sorted(self.variables.items())),
            **fields,
        )

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
        values.update(self.overrides)
        return values

    def _text(self, entries: dict, key: str, what: str | None = None) -> str | None:
        if key not in entries:
            return None
        node = entries[key][1]
        raw = self.read.text(node, what or key)
        if raw is None:
            return None
        text = self.substitute(raw, node)
        limit = MAX_DESCRIPTION_CHARS if key == "description" else MAX_NAME_CHARS
        if len(text) > limit:
            self.read.error(node, f"{what or key} is {len(text)} characters long; at most {limit}")
            return None
        return text

    def substitute(self, raw: str, node: Node) -> str:
        text, problems = substitute(raw, self.variables)
        self._report(problems, raw, node)
        return text

    def _report(self, problems: list[TextProblem], raw: str, node: Node) -> None:
        for problem in problems:
            self.errors.append(ScriptError(problem.message, _inner_position(self.read.pos(node), node, raw, problem.offset)))

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
        return path

    def _audio_file(self, node: Node, what: str) -> Path | None:
        """A sound file that exists and that libsndfile (or ffmpeg, when installed) can read.

        Probing the header here refuses a text file named `.wav` at its place in the
        script, before any speech is synthesized, and gives its length to the limit check.
        """
        path = self._file(node, what)
        if path is None or path in self.audio_seconds:
            return path
        import soundfile

        try:
            info = soundfile.info(str(path))
            seconds: Fraction | None = Fraction(info.frames, info.samplerate) if info.samplerate > 0 else Fraction(0)
        except Exception:  # libsndfile raises several types for unreadable files
            seconds = _ffprobe_seconds(path)
        if seconds is None:
            self.read.error(node, f"{what} file '{path.name}' is not an audio file this tool can read (WAV, FLAC, OGG or MP3; other formats need ffmpeg)")
            return None
        if seconds <= 0:
            self.read.error(node, f"{what} file '{path.name}' holds no sound")
            return None
        self.audio_seconds[path] = seconds
        return path

    # --- voice ---------------------------------------------------------------------------

    def voice(self, node: Node | None, base: model.Voice) -> model.Voice:
        r = self.read
        changes: dict = {}
        entries = r.mapping(node, "voice", _VOICE_KEYS) if node is not None else {}
        entries = entries or {}
        if "engine" in entries:
            engine = r.text(entries["engine"][1], "voice engine")
            if engine is not None:
                if engine not in ENGINES:
                    r.error(entries["engine"][1], f"unknown engine '{engine}'{did_you_mean(engine, ENGINES)}; choose piper or gtts")
                else:
                    changes["engine"] = engine
        engine = self.engine_override or changes.get("engine", base.engine)
        changes["engine"] = engine
        if engine != base.engine:
            changes["name"] = DEFAULT_VOICE_NAMES[engine]
        if "name" in entries:
            name = r.text(entries["name"][1], "voice name")
            if name is not None:
                checked = self._voice_name(name, engine, entries["name"][1])
                if checked is not None:
                    changes["name"] = checked
        if "speed" in entries:
            speed = r.number(entries["speed"][1], "voice speed", 0.5, 2.0)
            if speed is not None:
                changes["speed"] = speed
        for key in ("sentence_pause", "paragraph_pause"):
            if key in entries:
                value = r.duration(entries[key][1], key.replace("_", " "), 600, "10m")
                if value is not None:
                    changes[key] = value
        return replace(base, **changes)

    def _voice_name(self, name: str, engine: str, node: Node) -> str | None:
        if engine == "gtts":
            if not _GTTS_TLD.fullmatch(name):
                self.read.error(node, f"a gtts voice name is an accent's domain such as com, co.uk or com.au, got '{name}'")
                return None
            return name
        if name == DEFAULT_VOICE_NAMES["piper"]:
            return name
        if name.endswith(".onnx"):
            path = _resolved(self.base / name)
            if not path.is_file():
                self.read.error(node, f"piper voice file '{name}' not found")
                return None
            if not Path(str(path) + ".json").is_file():
                self.read.error(node, f"piper voice '{name}' has no config beside it ('{Path(name).name}.json')")
                return None
            return str(path)
        self.read.error(
            node,
            f"unknown piper voice '{name}'{did_you_mean(name, [DEFAULT_VOICE_NAMES['piper']])}: "
            f"use {DEFAULT_VOICE_NAMES['piper']} or a path to a Piper .onnx voice",
        )
        return None

    # --- background ------------------------------------------------------------------------

    def background(self, node: Node, *, section: bool) -> model.Background | None:
        r = self.read
        keys = _SECTION_BACKGROUND_KEYS if section else _BACKGROUND_KEYS
        what = "a section's background" if section else "background"
        entries = r.mapping(node, what, keys)
        if entries is None:
            return None
        fields: dict = {"position": r.pos(node)}
        for key in ("fade_in", "fade_out", "duck_attack", "duck_release", "crossfade"):
            if key in entries:
                value = r.duration(entries[key][1], key.replace("_", " "), 3600, "1h")
                if value is not None:
                    fields[key] = value
        if "duck" in entries:
            duck = r.convert(entries["duck"][1], "duck", parse_gain_db)
            if duck is not None:
                if duck > 60:
                    r.error(entries["duck"][1], "duck must be at most 60dB")
                else:
                    fields["duck"] = duck
        layers: list[model.Layer] = []
        if "layers" in entries:
            for layer_node in r.sequence(entries["layers"][1], "layers") or []:
                layer = self.layer(layer_node)
                if layer is not None:
                    layers.append(layer)
        fields["layers"] = tuple(layers)
        return model.Background(**fields)

    def layer(self, node: Node) -> model.Layer | None:
        r = self.read
        entries = r.mapping(node, "a layer", _LAYER_SOURCES + ("volume",))
        if entries is None:
            return None
        kinds = [k for k in _LAYER_SOURCES if k in entries]
        if len(kinds) != 1:
            r.error(node, f"a layer needs exactly one of {', '.join(_LAYER_SOURCES)}")
            return None
        volume = -30.0
        if "volume" in entries:
            value = r.volume(entries["volume"][1])
            if value is not None:
                volume = value
        kind = kinds[0]
        value_node = entries[kind][1]
        source = self.layer_source(kind, value_node)
        return None if source is None else model.Layer(source, volume, r.pos(node))

    def layer_source(self, kind: str, node: Node) -> model.LayerSource | None:
        r = self.read
        if kind == "tone":
            freq = r.convert(node, "tone", parse_glide)
            return None if freq is None else model.Tone(self._audible(freq, node, "tone"))
        if kind == "noise":
            color = r.text(node, "noise")
            if color is not None and color not in _NOISE_COLORS:
                r.error(node, f"unknown noise '{color}'{did_you_mean(color, _NOISE_COLORS)}; choose white, pink or brown")
                return None
            return None if color is None else model.Noise(color)
        if kind == "file":
            path = self._audio_file(node, "layer")
            return None if path is None else model.FileLoop(path)
        second = "beat" if kind == "binaural" else "pulse"
        entries = r.mapping(node, kind, ("carrier", second), required=("carrier", second))
        if entries is None or "carrier" not in entries or second not in entries:
            return None
        carrier = r.convert(entries["carrier"][1], f"{kind} carrier", parse_glide)
        rate = r.convert(entries[second][1], f"{kind} {second}", parse_glide)
        if carrier is None or rate is None:
            return None
        carrier = self._audible(carrier, entries["carrier"][1], f"{kind} carrier")
        if max(rate.start, rate.end) > 40:
            r.error(entries[second][1], f"{kind} {second} must be at most 40 Hz, got {rate}")
        if kind == "binaural":
            if max(rate.start, rate.end) / 2 >= min(carrier.start, carrier.end):
                r.error(entries[second][1], "binaural beat must be less than twice the carrier")
            return model.Binaural(carrier, rate)
        return model.Isochronic(carrier, rate)

    def _audible(self, glide, node: Node, what: str):
        if max(glide.start, glide.end) > 20_000 or min(glide.start, glide.end) < 20:
            self.read.error(node, f"{what} must be between 20 and 20000 Hz, got {glide}")
        return glide

    # --- sections and steps ----------------------------------------------------------------

    def sections(self, node: Node, voice: model.Voice) -> list[model.Section] | None:
        r = self.read
        items = r.sequence(node, "sections")
        if items is None:
            return None
        if not items:
            r.error(node, "sections must list at least one section")
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
        r = self.read
        if isinstance(node, ScalarNode):
            if not r.visit(node):
                return []  # a refused tag, already reported
            word = str(node.value)
            if word in _STEPS:
                r.error(node, f"step '{word}' needs a value after a colon, as in '{word}: ...'")
            elif not word.strip() or word == "~":
                r.error(node, "an empty step: write one such as 'say: Hello'")
            else:
                r.error(node, f"unknown step '{word}'{did_you_mean(word, _STEPS)}; a step is a mapping such as 'say: Hello'")
            return []
        if not isinstance(node, MappingNode) or len(node.value) != 1:
            if isinstance(node, MappingNode) and node.value:
                keys = [str(k.value) for k, _ in node.value]
                known = [k for k in keys if k in _STEPS]
                if len(known) > 1 or not known:
                    r.error(node, f"a step has exactly one kind ({', '.join(_STEPS)}); found {', '.join(keys)}")
                    return []
                extra = [k for k in keys if k not in _STEPS][0]
                r.error(node.value[keys.index(extra)][0], f"unknown key '{extra}' beside '{known[0]}': put a step's options under it")
                return []
            r.error(node, f"a step must be one of {', '.join(_STEPS)}")
            return []
        key_node, value = node.value[0]
        kind = str(key_node.value)
        if kind not in _STEPS:
            r.error(key_node, f"unknown step '{kind}'{did_you_mean(kind, _STEPS)}")
            return []
        handler = getattr(self, f"step_{kind}")
        result = handler(value, voice, key_node)
        if isinstance(result, list):
            return result  # repeat and include count their own steps
        if result is None:
            return []
        self._count(_weight(result), key_node)
        return [result]

    def _count(self, events: int, node: Node) -> bool:
        """Add `events` to the script's expanded size; False (reported once) past MAX_EVENTS."""
        if self.events + events > MAX_EVENTS:
            if not self.over_budget:
                self.over_budget = True
                self.read.error(
                    node,
                    f"the script expands to more than {MAX_EVENTS} steps, pauses, strikes and breaths "
                    "(check the repeats' times)",
                )
            return False
        self.events += events
        return True

    def step_say(self, node: Node, voice: model.Voice, key: Node) -> model.Say | None:
        r = self.read
        text_node = node
        if isinstance(node, MappingNode):
            entries = r.mapping(node, "say", ("text", "voice"), required=("text",))
            if entries is None or "text" not in entries:
                return None
            text_node = entries["text"][1]
            if "voice" in entries:
                voice = self.voice(entries["voice"][1], voice)
        raw = r.text(text_node, "say")
        if raw is None:
            return None
        if len(raw) > MAX_TEXT_CHARS:
            r.error(text_node, f"this text is {len(raw)} characters long; one say may hold at most {MAX_TEXT_CHARS}")
            return None
        text = self.substitute(raw, text_node)
        if len(text) > MAX_TEXT_CHARS:
            r.error(text_node, f"with its variables filled in this text is {len(text)} characters long; one say may hold at most {MAX_TEXT_CHARS}")
            return None
        parts, problems = split_narration(text, voice)
        self._report(problems, text, text_node)
        for part in parts:
            if isinstance(part, model.Gap):
                self.total_fixed += part.seconds
            else:
                self.total_speech += Fraction(len(part.text)) / (SPEECH_CHARS_PER_SECOND * Fraction(part.voice.speed))
        if not any(isinstance(p, model.Utterance) for p in parts):
            r.error(text_node, "say has nothing to speak")
            return None
        return model.Say(parts, r.pos(key))

    def step_pause(self, node: Node, voice: model.Voice, key: Node) -> model.Pause | None:
        r = self.read
        if isinstance(node, ScalarNode) and node.value == "fill":
            if not r.visit(node):
                return None
            self.fill_nodes.append(node)
            return model.Pause(None, r.pos(key))
        seconds = r.convert(node, "pause", parse_duration)
        if seconds is None:
            return None
        if seconds > MAX_TOTAL_SECONDS:
            r.error(node, f"pause must be at most {MAX_TOTAL_SECONDS // 3600}h, got '{shorten(str(node.value))}'")
            return None
        self.total_fixed += seconds
        return model.Pause(seconds, r.pos(key))

    def step_bell(self, node: Node, voice: model.Voice, key: Node) -> model.Bell | None:
        r = self.read
        fields: dict = {}
        sound_node = node
        if isinstance(node, MappingNode):
            entries = r.mapping(node, "bell", ("sound", "strikes", "every", "volume"), required=("sound",))
            if entries is None or "sound" not in entries:
                return None
            sound_node = entries["sound"][1]
            if "strikes" in entries:
                strikes = r.integer(entries["strikes"][1], "strikes", 1, 100)
                if strikes is not None:
                    fields["strikes"] = strikes
            if "every" in entries:
                every = r.convert(entries["every"][1], "every", parse_duration)
                if every is not None:
                    if not 0 < every <= 600:
                        r.error(entries["every"][1], "every must be between 0s and 10m")
                    else:
                        fields["every"] = every
                        self.total_fixed += every * (fields.get("strikes", 1) - 1)
            if "volume" in entries:
                volume = r.volume(entries["volume"][1])
                if volume is not None:
                    fields["volume"] = volume
        sound = r.text(sound_node, "bell")
        if sound is None:
            return None
        if sound in model.BELL_NAMES:
            if "every" not in fields:
                self.total_fixed += BELL_STRIKE_MIN_SECONDS * (fields.get("strikes", 1) - 1)
            return model.Bell(sound, r.pos(key), **fields)
        if "." in sound or "/" in sound:
            path = self._audio_file(sound_node, "bell")
            if path is not None and "every" not in fields:
                self.total_fixed += self.audio_seconds.get(path, Fraction(0)) * (fields.get("strikes", 1) - 1)
            return None if path is None else model.Bell(sound, r.pos(key), path=path, **fields)
        r.error(sound_node, f"unknown bell '{sound}'{did_you_mean(sound, model.BELL_NAMES)}; built-in bells are {', '.join(model.BELL_NAMES)}, or give a sound file")
        return None

    def step_play(self, node: Node, voice: model.Voice, key: Node) -> model.Play | None:
        r = self.read
        fields: dict = {}
        file_node = node
        if isinstance(node, MappingNode):
            entries = r.mapping(node, "play", ("file", "volume", "fade_in", "fade_out", "duration"), required=("file",))
            if entries is None or "file" not in entries:
                return None
            file_node = entries["file"][1]
            if "volume" in entries:
                volume = r.volume(entries["volume"][1])
                if volume is not None:
                    fields["volume"] = volume
            for name in ("fade_in", "fade_out", "duration"):
                if name in entries:
                    value = r.duration(entries[name][1], name.replace("_", " "), MAX_TOTAL_SECONDS, "12h")
                    if value is not None:
                        fields[name] = value
        path = self._audio_file(file_node, "play")
        if path is not None:
            seconds = self.audio_seconds.get(path, Fraction(0))
            self.total_fixed += min(seconds, fields["duration"]) if "duration" in fields else seconds
        return None if path is None else model.Play(path, r.pos(key), **fields)

    def step_breathe(self, node: Node, voice: model.Voice, key: Node) -> model.Breathe | None:
        r = self.read
        entries = r.mapping(node, "breathe", ("pattern", "cycles", "duration", "cues", "words"), required=("pattern",))
        if entries is None or "pattern" not in entries:
            return None
        fields: dict = {"voice": voice}
        cycles = duration = None
        if "cycles" in entries and "duration" in entries:
            r.error(entries["duration"][0], "breathe takes cycles or duration, not both")
        elif "cycles" in entries:
            cycles = r.integer(entries["cycles"][1], "cycles", 1, 10_000)
        elif "duration" in entries:
            duration = r.duration(entries["duration"][1], "duration", MAX_TOTAL_SECONDS, "12h")
        if "cues" in entries:
            cues = r.text(entries["cues"][1], "cues")
            if cues is not None and cues not in _CUES:
                r.error(entries["cues"][1], f"unknown cues '{cues}'{did_you_mean(cues, _CUES)}; choose voice, tone, both or none")
            elif cues is not None:
                fields["cues"] = cues
        if "words" in entries:
            words = dict(model.Breathe.__dataclass_fields__["words"].default)
            for word_key, word_node in iter_items(r.mapping(entries["words"][1], "words", _BREATH_WORDS) or {}):
                text = r.text(word_node, f"the {word_key} word")
                if text is not None:
                    words[word_key] = self.substitute(text, word_node)
            fields["words"] = tuple(words.items())
        all_cycles = self._breath_cycles(node, entries["pattern"][1], cycles, duration, "cycles" in entries or "duration" in entries)
        if all_cycles is None:
            return None
        if not all_cycles:
            r.error(node, "not even one breathing cycle fits in that duration")
            return None
        if len(all_cycles) > patterns.MAX_CYCLES:
            r.error(node, f"that is {len(all_cycles)} breathing cycles; at most {patterns.MAX_CYCLES} in one step")
            return None
        self.total_fixed += sum((patterns.cycle_seconds(c) for c in all_cycles), Fraction(0))
        return model.Breathe(tuple(all_cycles), r.pos(key), **fields)

    def _breath_cycles(
        self, step: Node, node: Node, cycles: int | None, duration: Fraction | None, counted: bool
    ) -> list[tuple[model.BreathPhase, ...]] | None:
        """The cycles of a `breathe` pattern: one pattern or glide, or a list played in order.

        A list entry may carry its own `cycles` (the step's `cycles` is the default), so
        `pattern: [{pattern: 4-4, cycles: 4}, {pattern: 4-6, cycles: 4}]` needs nothing
        more. None when something was wrong (already reported at its place).
        """
        r = self.read
        if isinstance(node, ScalarNode):
            text = r.text(node, "pattern")
            if text is None:
                return None
            if not counted:
                try:
                    patterns.expand(text, cycles=1, duration=None)  # still report a bad pattern
                except patterns.PatternError as exc:
                    r.error(node, str(exc))
                r.error(step, "breathe needs cycles or duration")
                return None
            if cycles is None and duration is None:
                return None  # a bad cycles/duration value, already reported
            try:
                return patterns.expand(text, cycles=cycles, duration=duration)
            except patterns.PatternError as exc:
                r.error(node, str(exc))
                return None
        items = r.sequence(node, "pattern")
        if items is None:
            return None
        if duration is not None:
            r.error(node, "a list of patterns plays 'cycles' of each; use cycles rather than duration")
            return None
        if not items:
            r.error(node, "the list of patterns is empty")
            return None
        out: list[tuple[model.BreathPhase, ...]] = []
        failed = False
        for item in items:
            item_cycles = cycles
            pattern_node = item
            own_cycles = False
            if isinstance(item, MappingNode):
                entries = r.mapping(item, "a pattern", ("pattern", "cycles"), required=("pattern",))
                if not entries or "pattern" not in entries:
                    failed = True
                    continue
                pattern_node = entries["pattern"][1]
                if "cycles" in entries:
                    own_cycles = True
                    item_cycles = r.integer(entries["cycles"][1], "cycles", 1, patterns.MAX_CYCLES)
            text = r.text(pattern_node, "pattern")
            if text is None:
                failed = True
                continue
            try:
                out.extend(patterns.expand(text, cycles=item_cycles or 1, duration=None))
            except patterns.PatternError as exc:
                r.error(pattern_node, str(exc))
                failed = True
                continue
            if item_cycles is None:
                if not counted and not own_cycles:
                    r.error(item, f"pattern '{text}' needs cycles: here ({{pattern: {text}, cycles: N}}) or on the breathe step")
                failed = True  # otherwise a bad cycles value, already reported
        return None if failed else out

    def step_repeat(self, node: Node, voice: model.Voice, key: Node) -> list[model.Step]:
        r = self.read
        entries = r.mapping(node, "repeat", ("times", "steps"), required=("times", "steps"))
        if not entries or "times" not in entries or "steps" not in entries:
            return []
        if self.nesting >= MAX_NESTING:
            r.error(key, f"repeats nest deeper than {MAX_NESTING} levels")
            return []
        before = (self.total_fixed, self.total_speech, self.events)
        times = r.integer(entries["times"][1], "times", 1, MAX_REPEAT)
        self.nesting += 1
        try:
            inner = self.steps(entries["steps"][1], voice) or []
        finally:
            self.nesting -= 1
        if times is None:
            return []
        if not self._count((self.events - before[2]) * (times - 1), entries["times"][1]):
            return []
        self.total_fixed += (self.total_fixed - before[0]) * (times - 1)
        self.total_speech += (self.total_speech - before[1]) * (times - 1)
        return inner * times

    def step_include(self, node: Node, voice: model.Voice, key: Node) -> list[model.Step]:
        r = self.read
        raw = r.text(node, "include")
        if raw is None:
            return []
        target = _resolved(self.base / raw)
        if target in self.include_stack:
            chain = " -> ".join(display_path(p) for p in self.include_stack + [target])
            r.error(node, f"include cycle: {chain}")
            return []
        if len(self.include_stack) >= MAX_INCLUDE_DEPTH:
            r.error(node, f"includes nest deeper than {MAX_INCLUDE_DEPTH} files")
            return []
        if not target.is_file():
            r.error(node, f"included file '{raw}' not found")
            return []
        self.included_bytes += target.stat().st_size
        if self.included_bytes > MAX_INCLUDED_BYTES:
            r.error(node, f"the included files add up to more than {MAX_INCLUDED_BYTES} bytes")
            return []
        shown = display_path(target)
        included = compose(target, shown, self.errors)
        if included is None:
            return []
        outer = (self.read, self.base)
        self.read = NodeReader(target, shown, self.errors)
        self.read.visits = outer[0].visits
        self.base = target.parent
        self.include_stack.append(target)
        try:
            entries = self.read.mapping(included, "an included file", ("steps",), required=("steps",))
            steps = self.steps(entries["steps"][1], voice) if entries and "steps" in entries else []
        finally:
            self.include_stack.pop()
            outer[0].visits = self.read.visits
            self.read, self.base = outer
        return steps or []


def _resolved(path: Path) -> Path:
    """`path` made absolute and free of links; a symbolic link loop stays as it is (it is
    then simply not a file, and reported as not found, instead of raising)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):
        return path.absolute()


def _weight(step: model.Step) -> int:
    """How many timeline entries a step becomes (the unit of MAX_EVENTS)."""
    if isinstance(step, model.Say):
        return len(step.parts)
    if isinstance(step, model.Bell):
        return step.strikes
    if isinstance(step, model.Breathe):
        return sum(len(cycle) for cycle in step.cycles)
    return 1


def _limit(seconds: Fraction) -> str:
    """A limit as a user would write it: `12h`, `90m`, `45s`."""
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{float(seconds):g}s"


def _ffprobe_seconds(path: Path) -> Fraction | None:
    """A file's duration by ffprobe (what decodes what libsndfile cannot); None if unreadable."""
    if not shutil.which("ffprobe"):
        return None
    import subprocess

    try:
        done = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
            capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    try:
        return Fraction(done.stdout.strip()) if done.returncode == 0 else None
    except ValueError:
        return None


def _is_image(path: Path) -> bool:
    """Whether a file starts like a PNG or a JPEG (what ID3 and players accept as cover art)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError:
        return False
    return head.startswith(_PNG) or head.startswith(_JPEG)


def _names(node: Node) -> list[str]:
    if isinstance(node, MappingNode):
        return [str(k.value) for k, _ in node.value if isinstance(k, ScalarNode)]
    return []


def _inner_position(base: Position, node: Node, text: str, offset: int) -> Position:
    """Best place inside a (possibly multi-line) scalar for a problem at `offset`."""
    if not isinstance(node, ScalarNode) or base.line <= 0:
        return base
    line_in_text = text.count("\n", 0, offset)
    if node.style in ("|", ">"):
        line = base.line + 1 + line_in_text
        column_in_line = offset - (text.rfind("\n", 0, offset) + 1)
        return Position(base.path, line, column_in_line + 1 + _block_indent(node))
    if line_in_text == 0:
        quote = 1 if node.style in ("'", '"') else 0
        return Position(base.path, base.line, base.column + quote + offset)
    return Position(base.path, base.line + line_in_text, 1)


def _block_indent(node: ScalarNode) -> int:
    """The indentation of a block scalar's content, read from the source buffer."""
    buffer = node.start_mark.buffer
    if not buffer:
        return 0
    start = buffer.find("\n", node.start_mark.pointer) + 1
    line = buffer[start : buffer.find("\n", start)]
    return len(line) - len(line.lstrip(" "))
