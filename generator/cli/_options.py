"""What every command shares: error handling and exit codes, `--set`, the engine and cache
options, and the progress bar. The commands import these; nothing here imports a command."""

from __future__ import annotations

import functools
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import Callable

import click

from generator.core.cleantext import set_value
from generator.core.errors import MeditateError, ScriptErrors, ScriptWarning, one_line
from generator.voice.engines import SYNTHETIC_ENGINES

def reports_errors(command: Callable) -> Callable:
    """Turn library errors into clean messages and exit codes; never a traceback for them."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        _install_warning_format()
        previous = {sig: signal.signal(sig, _terminate) for sig in _STOP_SIGNALS} if _main_thread() else {}
        try:
            return command(*args, **kwargs)
        except ScriptErrors as exc:
            for error in exc.errors:
                click.echo(str(error), err=True)
            sys.exit(exc.exit_code)
        except MeditateError as exc:
            click.echo(f"error: {one_line(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted: no file was left half-written", err=True)
            sys.exit(130)
        except (SystemExit, click.exceptions.Exit, click.ClickException):
            raise
        except OSError as exc:  # a full disk, a folder without permission: the machine, not a bug
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)
        except Exception as exc:  # a bug, not the user's mistake: one line unless debugging
            if os.environ.get("MEDITATE_DEBUG"):
                raise
            click.echo(f"error: internal error: {type(exc).__name__}: {exc} (set MEDITATE_DEBUG=1 for details)", err=True)
            sys.exit(1)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    return wrapper


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
"""A kill or a closed terminal unwinds like Ctrl-C, so temporary files are removed."""


def _terminate(signum, frame) -> None:
    raise KeyboardInterrupt


def _install_warning_format() -> None:
    def show(message, category, filename, lineno, file=None, line=None):
        click.echo(str(message) if issubclass(category, ScriptWarning) else f"warning: {message}", err=True)

    warnings.showwarning = show


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    """`--set NAME=VALUE` pairs, each value cleaned (generator.core.cleantext.set_value)."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got '{one_line(value)}'", param_hint="--set")
        out[name.strip()] = set_value(name.strip(), text)
    return out


def script_options(command: Callable) -> Callable:
    """Options shared by every command that reads one script."""
    command = click.option("--engine", type=click.Choice(list(SYNTHETIC_ENGINES)), help="Use this speech engine for every voice.")(command)
    command = click.option(
        "--set", "sets", multiple=True, metavar="NAME=VALUE", help="Set a script variable (repeatable)."
    )(command)
    return command


def cache_options(command: Callable) -> Callable:
    command = click.option("--no-cache", is_flag=True, help="Synthesize everything afresh; keep nothing.")(command)
    command = click.option(
        "--cache-dir",
        type=click.Path(path_type=Path),  # an unusable folder turns the cache off, with a warning
        envvar="MEDITATE_CACHE_DIR",
        help="Speech cache folder (default: your user cache folder; env MEDITATE_CACHE_DIR).",
    )(command)
    return command


class _Progress:
    """A progress bar on a terminal, silence otherwise (logs, CI, pipes)."""

    LABELS = {
        "speech": "Synthesizing speech",
        "sounds": "Making bells",
        "measure": "Measuring loudness",
        "render": "Rendering",
    }

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.bar = None
        self.stage = None
        self.last = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.last = 0
            self.bar = click.progressbar(length=total, label=self.LABELS.get(stage, stage), file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.last)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


