"""Every error rmfkit raises on purpose, each able to say *file, line, field, hint* in one line.

The CLI maps these classes to exit codes in one table (``rmfkit.cli.app.EXIT_CODES``);
notebooks show ``str(error)``.

>>> str(InputFileError("bad value", file="mapping/map.yaml", line=3, field="status"))
'mapping/map.yaml line 3: status: bad value'
"""
from __future__ import annotations

from dataclasses import dataclass, field


class RmfkitError(Exception):
    """Base class: a problem a user can act on, located by file, line and field."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f" line {self.line}" if self.line else "") + ": "
        what = f"{self.field}: " if self.field else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{what}{self.message}{hint}"


class UsageError(RmfkitError):
    """The command was called wrongly (unknown option value, missing argument)."""


class WorkspaceNotFound(RmfkitError):
    """No ``rmfkit.yaml`` in the given directory or any parent."""


class InputFileError(RmfkitError):
    """A file the user handed in cannot be read: not UTF-8, not YAML/JSON, too large, a directory…"""


class UnknownIdError(RmfkitError):
    """An id (subcategory, evidence, risk, component) that does not exist; ``hint`` lists close matches."""


@dataclass(frozen=True)
class Problem:
    """One validation finding: where it is and what is wrong, in words."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.file + (f" line {self.line}" if self.line else "")
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {what}{self.message}"


class ValidationFailed(RmfkitError):
    """The workspace loaded but breaks schema or reference rules; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "no problems"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)

    def __str__(self) -> str:
        return self.message


class IntegrityError(RmfkitError):
    """A hash, signature or snapshot chain does not match: something was altered."""

    def __init__(self, message: str, *, failures: list[str] | None = None, **kw):
        super().__init__(message, **kw)
        self.failures = list(failures or [])


@dataclass
class ProblemList:
    """Collects problems while loading so that validation reports all of them at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, message: str, line: int | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(file=file, message=message, line=line, field=field))

    def __bool__(self) -> bool:
        return bool(self.problems)
