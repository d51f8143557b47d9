"""SSO Sandbox: a mock JumpCloud and a mock BlogIn on loopback, side by side."""

__version__ = "0.1.0"
