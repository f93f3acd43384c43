"""Domain errors: each carries its HTTP status; one handler renders them (see web/errors.py).

Messages are English msgids marked with ``N_`` so Babel extracts them; they are
translated into the reader's language when rendered, then formatted with ``params``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


@dataclass(frozen=True)
class FieldProblem:
    key: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, /, **params: Any) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.params = params

    @property
    def problems(self) -> list[FieldProblem]:
        return []

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries, page or API alike."""
        return {}


class BadRequest(DomainError):
    status_code = 400


class NotSignedIn(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooManyAttempts(DomainError):
    """429, saying (``Retry-After``) how many seconds until trying again makes sense."""

    status_code = 429

    def __init__(self, message: str, /, *, retry_after: int, **params: Any) -> None:
        super().__init__(message, **params)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Invalid(DomainError):
    """One or more fields are invalid (422); each problem names its field."""

    status_code = 422

    def __init__(self, key: str, message: str, /, **params: Any) -> None:
        super().__init__(message, **params)
        self._problems = [FieldProblem(key, message, params)]

    @classmethod
    def many(cls, problems: list[FieldProblem]) -> Invalid:
        first = problems[0]
        error = cls(first.key, first.message, **first.params)
        error._problems = list(problems)
        return error

    @property
    def problems(self) -> list[FieldProblem]:
        return self._problems
