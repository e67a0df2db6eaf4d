"""The few exception types kgbuild raises; messages read `file:line: what is wrong — what to do`."""
from __future__ import annotations

__all__ = ["KgbuildError", "ReaderError", "SinkError", "UnknownFormatError"]


class KgbuildError(Exception):
    """Root of every error kgbuild raises on purpose."""


class ReaderError(KgbuildError):
    """A record could not be read; carries where, so `--on-error skip` can report it."""

    def __init__(self, source: str, line: int | None, problem: str, fix: str = "") -> None:
        self.source, self.line, self.problem, self.fix = source, line, problem, fix
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {problem}" + (f" — {fix}" if fix else ""))


class SinkError(KgbuildError):
    """Writing to a target failed; the message names the target and what to do."""


class UnknownFormatError(KgbuildError, ValueError):
    """A format or sink name that no registry knows."""
