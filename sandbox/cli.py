"""Command line: ``sso-sandbox`` (the desktop) and ``sso-sandbox serve`` (headless)."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
import textwrap
from pathlib import Path

from sandbox import __version__
from sandbox.collector import paused_while_starting, settle_after_start_up
from sandbox.errors import SAID_ON_THE_TERMINAL, SandboxStartupError
from sandbox.settings import DEFAULT_BLOGIN_PORT, DEFAULT_JUMPCLOUD_PORT, Settings, default_data_dir

log = logging.getLogger("sandbox.cli")


# The shipped scenarios' names, written out: importing sandbox.scenarios costs a sixth of a second
# before the desktop's splash.
_SHIPPED_SCENARIOS = "fresh, sso-configured, fully-provisioned"

_EPILOG = """\
serve prints one JSON line once both systems answer, such as
  {"event": "ready", "jumpcloud": "http://console.jumpcloud.localhost:47801", "blogin": "http://acme.blogin.localhost:47802"}
and stops on Ctrl+C (SIGINT) or SIGTERM. Closing the window ends the desktop.
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help whose lines break between words only, never after a hyphen ("fully-" over "provisioned")."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sso-sandbox",
        usage="%(prog)s [desktop|serve] [options]",
        description="Rehearse the JumpCloud → BlogIn SSO and SCIM integration on one machine.",
        epilog=_EPILOG,
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "command",
        nargs="?",
        choices=["desktop", "serve"],
        default="desktop",
        metavar="desktop|serve",
        help="desktop (default): the window; serve: both systems headless",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"where the databases and sso-sandbox.log live (default: {default_data_dir()})",
    )
    parser.add_argument(
        "--jumpcloud-port",
        type=_port,
        default=DEFAULT_JUMPCLOUD_PORT,
        metavar="N",
        help=f"port of the mock JumpCloud (default {DEFAULT_JUMPCLOUD_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--blogin-port",
        type=_port,
        default=DEFAULT_BLOGIN_PORT,
        metavar="N",
        help=f"port of the mock BlogIn (default {DEFAULT_BLOGIN_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--db-url-jumpcloud",
        default=None,
        metavar="URL",
        help="SQLAlchemy URL of JumpCloud's database (default: jumpcloud.sqlite in the data folder)",
    )
    parser.add_argument(
        "--db-url-blogin",
        default=None,
        metavar="URL",
        help="SQLAlchemy URL of BlogIn's database (default: blogin.sqlite in the data folder)",
    )
    parser.add_argument("--reset", action="store_true", help="start both systems from first-run state")
    parser.add_argument(
        "--scenario",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"start from a saved .sandbox scenario file, or a shipped one by name: {_SHIPPED_SCENARIOS}",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        metavar="LEVEL",
        help="DEBUG, INFO, WARNING or ERROR (default INFO)",
    )
    return parser


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 65535")
    return value


def settings_from(args: argparse.Namespace) -> Settings:
    kwargs: dict[str, object] = {
        "jumpcloud_port": args.jumpcloud_port,
        "blogin_port": args.blogin_port,
        "db_url_jumpcloud": args.db_url_jumpcloud,
        "db_url_blogin": args.db_url_blogin,
        "reset": args.reset,
        "log_level": args.log_level,
        "scenario": args.scenario,
    }
    if args.data_dir is not None:
        kwargs["data_dir"] = args.data_dir.expanduser().resolve()
    return Settings(**kwargs)  # type: ignore[arg-type]


def _data_dir_problem(data_dir: Path, error: OSError) -> str:
    """Why the data folder cannot be used, and what to do, in words."""
    if data_dir.exists() and not data_dir.is_dir():
        reason = "it is a file, not a folder"
    elif isinstance(error, PermissionError):
        reason = "permission denied"
    else:
        reason = (error.strerror or str(error)).lower()
    return f"cannot use the data folder {data_dir} ({reason}). Choose a folder you can write to with --data-dir DIR."


def configure_logging(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    formatter = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    file_handler = logging.FileHandler(settings.log_file, encoding="utf-8")
    file_handler.setFormatter(formatter)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(formatter)
    console.addFilter(lambda record: not getattr(record, SAID_ON_THE_TERMINAL, False))
    root.handlers[:] = [file_handler, console]
    # One line per outbound request is noise at INFO; the SCIM traffic view records them properly.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def serve(settings: Settings) -> int:
    # As for the desktop: no cyclic garbage collection while start-up imports and builds the
    # systems (it finds nothing to collect there and costs a tenth of the import time).
    stop = _StopSignals()
    with paused_while_starting():
        from sandbox.app import Sandbox

        sandbox = Sandbox(settings)
        sandbox.start()
    settle_after_start_up()
    try:
        print(
            json.dumps({"event": "ready", "jumpcloud": sandbox.jumpcloud.base_url, "blogin": sandbox.blogin.base_url}),
            flush=True,
        )
        stop.wait()
    finally:
        sandbox.stop()
        stop.close()
    print(json.dumps({"event": "stopped"}), flush=True)
    return 0


class _StopSignals:
    """SIGINT and SIGTERM end :meth:`wait`.

    The interpreter's own handler writes each signal to a socket (``signal.set_wakeup_fd``) before any
    Python runs, and :meth:`wait` reads that socket: a signal that arrives before the wait begins is
    still there to read, and the Python handler takes no lock. Setting a ``threading.Event`` from the
    handler could hang for good: a handler runs between two bytecodes of the main thread, and when
    the signal came while that thread held the event's internal lock on its way into ``Event.wait``,
    ``Event.set`` waited for a lock its own thread held.
    """

    def __init__(self) -> None:
        self._reader, self._writer = socket.socketpair()
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {sig: signal.signal(sig, self._note) for sig in (signal.SIGINT, signal.SIGTERM)}

    @staticmethod
    def _note(signum: int, _frame: object) -> None:
        log.info("signal %d received, stopping", signum)

    def wait(self) -> None:
        """Block until SIGINT or SIGTERM arrives (or has arrived since this object was made)."""
        self._reader.recv(64)

    def close(self) -> None:
        """Give the signals and the wake-up descriptor back to whoever had them."""
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._reader.close()
        self._writer.close()


def _database_url_problem(url: str) -> str | None:
    """Why SQLAlchemy cannot use ``url`` (no such dialect, its driver not installed), or None."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    hint = "a URL such as sqlite:////path/to/file.sqlite or postgresql+psycopg://user@host/database"
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Quoted unless it may hold a password (user:password@host), which a URL that does not parse cannot hide.
        said = "it is" if "@" in url else f"{url!r} is"
        return f"{said} not a SQLAlchemy URL; give {hint}"
    shown = parsed.render_as_string(hide_password=True)
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        return f"{shown!r}: SQLAlchemy has no database type {parsed.drivername!r}; give {hint}"
    try:
        dialect.import_dbapi()
    except ImportError as error:
        return f"{shown!r}: the driver for {parsed.drivername} is not installed ({error}); install it, or give {hint}"
    return None


def _scenario_problem(scenario: Path) -> str | None:
    """Why ``--scenario`` names nothing to load, or None (whether a file is a scenario is checked at load)."""
    if scenario.exists():
        return None
    from sandbox.scenarios import shipped_scenario

    if shipped_scenario(scenario.name) is not None:
        return None
    return (
        f"there is no scenario file at {scenario}; give a .sandbox file "
        f"or a shipped scenario's name: {_SHIPPED_SCENARIOS}"
    )


def _option_problems(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Options that name something unusable, found before anything starts: (option, what is wrong)."""
    problems: list[tuple[str, str]] = []
    for option, url in (("--db-url-jumpcloud", args.db_url_jumpcloud), ("--db-url-blogin", args.db_url_blogin)):
        problem = _database_url_problem(url) if url is not None else None
        if problem is not None:
            problems.append((option, problem))
    if args.scenario is not None:
        problem = _scenario_problem(args.scenario)
        if problem is not None:
            problems.append(("--scenario", problem))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for option, problem in _option_problems(args)[:1]:
        parser.error(f"argument {option}: {problem}")
    settings = settings_from(args)
    try:
        configure_logging(settings)
    except OSError as error:
        print(f"sso-sandbox: {_data_dir_problem(settings.data_dir, error)}", file=sys.stderr)
        return 2
    try:
        if args.command == "serve":
            return serve(settings)
        from sandbox.desktop import run_desktop

        return run_desktop(settings)
    except SandboxStartupError as error:
        # Said once on the terminal (below) and kept in the log file, not said twice on the terminal.
        log.error("%s", error, extra={SAID_ON_THE_TERMINAL: True})
        print(f"sso-sandbox: {error}", file=sys.stderr)
        return 2


def gui_main() -> int:
    return main(sys.argv[1:] or ["desktop"])
