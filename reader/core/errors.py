"""Errors that carry a message a user can act on.

Every error tome raises on purpose is a `TomeError`. Its `message` is one line that names what went
wrong and what to do; the CLI prints exactly that line and exits with code 2.
"""

from __future__ import annotations


class TomeError(Exception):
    """Base for every error tome raises on purpose."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())

    def __str__(self) -> str:
        return self.message


class ConfigError(TomeError):
    """Settings or a config file are invalid."""


class DocumentError(TomeError):
    """A document cannot be read: missing, empty, corrupt, unsupported or without text."""


class ModelError(TomeError):
    """The model endpoint failed: unreachable, refused, timed out or answered badly."""


class ModelNotInstalledError(ModelError):
    """The embedded model (or its server) is not installed or failed verification."""


class StructuredOutputError(ModelError):
    """The model did not produce valid JSON for the requested schema."""


class StoreError(TomeError):
    """The memory store cannot be opened or is in an unexpected state."""


class OutputError(TomeError):
    """An output file cannot be used: a directory, a device, a FIFO."""


class NotFoundError(TomeError):
    """A document, node, page or conversation id does not exist."""


class NotReadyError(TomeError):
    """A document has not finished ingestion."""


class Interrupted(TomeError):
    """Ctrl-C: the work stopped cleanly and can be resumed; exit code 130 as for SIGINT."""

    exit_code = 130
