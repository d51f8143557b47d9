"""Errors that stop the sandbox from starting; each message tells the user what to do."""

#: a log record's attribute: its message is printed on the terminal on its own, so the console handler skips it
SAID_ON_THE_TERMINAL = "said_on_the_terminal"


class SandboxStartupError(Exception):
    """The sandbox cannot start; ``str(error)`` is a message for the user."""


class PortInUseError(SandboxStartupError):
    def __init__(self, system: str, port: int, option: str) -> None:
        super().__init__(
            f"Port {port} for the mock {system} is already in use. "
            f"Stop whatever holds it, or choose another port with {option} (0 picks a free one)."
        )
        self.port = port
        self.option = option


class StorageError(SandboxStartupError):
    """A database cannot be opened; the file is left untouched."""
