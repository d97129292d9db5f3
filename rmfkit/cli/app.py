"""The ``rmfkit`` command: typer app, noun sub-commands, and the one table from errors to exit codes."""
from __future__ import annotations

import importlib
import os
import sys

import typer

from rmfkit import errors
from rmfkit.labels import plural

# Each top-level command or group, and the module of rmfkit.cli that adds it (``register(app)``). A run
# imports only the module of the command it runs; --help, and a name that is none of these, import all.
COMMANDS = {
    "init": "workspace_cmds", "validate": "workspace_cmds", "status": "workspace_cmds",
    "map": "map", "risk": "risk", "dpia": "dpia", "ops": "ops",
    "packet": "packet", "verify": "packet", "keys": "packet",
    "evidence": "evidence", "licenses": "licenses", "measure": "measure",
    "review": "review", "portfolio": "review",
    "frameworks": "frameworks",  # ISO/IEC 42001 SoA and EU AI Act register
    "check": "check",  # consistency findings across records
    "gate": "gate", "sbom": "sbom",  # release gate on a model swap; the system as an ML-BOM
    "audit": "audit",  # the audit frame: audit.yaml, assessors, documents
}

# Exit codes of the CLI contract (DESIGN.md): the first matching class wins.
EXIT_CODES: list[tuple[type[BaseException], int]] = [
    (errors.IntegrityError, 4),
    (errors.ValidationFailed, 3),
    (errors.UsageError, 2),
    (errors.UnknownIdError, 2),
    (errors.WorkspaceNotFound, 2),
    (errors.InputFileError, 2),
    (errors.RmfkitError, 2),
]


def _group() -> None:
    """Govern an AI system under the NIST AI RMF: workspace, evidence, mapping, risks, DPIA and verifiable
    audit packets."""


def build_app(args: list[str] | None = None) -> typer.Typer:
    """The ``rmfkit`` app with the commands ``args`` can run (every command when they name none of them).

    >>> sorted(typer.main.get_command(build_app(["status", "-w", "ws"])).commands)
    ['init', 'status', 'validate']
    """
    cli = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
                      context_settings={"help_option_names": ["-h", "--help"]})
    cli.callback()(_group)  # its docstring is the help; a group even with one command (typer runs a lone one bare)
    first = next((a for a in args or [] if not a.startswith("-")), None)
    modules = [COMMANDS[first]] if first in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(f"rmfkit.cli.{name}").register(cli)
    return cli


# How --help names a value: typer's own words -> the usual capitals (anything else: upper-cased, brackets dropped).
VALUE_NAMES = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "bool": "", "datetime": "DATE"}


def _value_name(typer_label: str | None) -> str | None:
    """``<list[str]>`` -> ``TEXT``, ``<path>`` -> ``PATH``, ``<bool>`` -> nothing, ``a|b`` stays.

    >>> _value_name("<list[str]>"), _value_name("<path>"), _value_name("<bool>"), _value_name("json|csv")
    ('TEXT', 'PATH', None, 'json|csv')
    """
    if not typer_label or not typer_label.startswith("<"):
        return typer_label
    bare = typer_label.strip("<>").removeprefix("list[").removesuffix("]")
    return VALUE_NAMES.get(bare.lower(), bare.upper()) or None


def _conventional_help() -> None:
    """Help in the usual CLI style: flags bare, values by their metavar or a capitalised type, arguments
    in capitals (``SUBCATEGORY``), where this typer prints ``<bool>``, ``<list[str]>`` and ``{subcategory}``."""
    from typer import core

    if not hasattr(core, "TyperArgument") or not hasattr(core.TyperOption, "display_type_rich"):
        return  # an older typer already renders help this way
    typer_type = core.TyperOption.display_type_rich

    def option_value(self, ctx):
        return None if self.is_flag else self.metavar or _value_name(typer_type(self, ctx))

    def argument_name(self) -> str:
        name = self.metavar or self.name.upper()
        return (name if self.required else f"[{name}]") + ("..." if self.nargs != 1 else "")

    core.TyperOption.display_type_rich = option_value
    core.TyperArgument.display_type_rich = lambda self, ctx: None
    core.TyperArgument._usage_display_name = argument_name
    core.TyperArgument.display_name_raw = property(lambda self: self.metavar or self.name.upper())


_conventional_help()


def _report(exc: BaseException) -> int:
    """Print the error as one line per problem (control characters in file names escaped); its exit code."""
    from rmfkit.cli.common import print_text

    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            if isinstance(exc, errors.ValidationFailed):
                for problem in exc.problems:
                    print_text(problem, err=True)
                typer.echo(f"{plural(len(exc.problems), 'problem')} found", err=True)
            elif isinstance(exc, errors.IntegrityError) and exc.failures:
                for failure in exc.failures:
                    print_text(f"FAIL {failure}", err=True)
                print_text(f"error: {exc}", err=True)
            else:
                print_text(f"error: {exc}", err=True)
            return code
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and turn every error into one line and an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("RMFKIT_DEBUG") == "1"
    args = [a for a in args if a != "--debug"]
    try:
        result = build_app(args)(args=args, prog_name="rmfkit", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        code = 1
    except errors.RmfkitError as exc:
        if debug:
            raise
        code = _report(exc)
    except OSError as exc:  # the file system refused (permissions, disk full): the user's to fix, not a bug
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        from rmfkit.cli.common import print_text

        print_text(f"error: {where}{exc.strerror or exc}", err=True)
        code = 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        code = 130
    except Exception as exc:  # noqa: BLE001 - usage errors of the CLI framework, then the last resort
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            return _finish(exc.exit_code, argv)
        if debug:
            raise
        from rmfkit.cli.common import print_text

        print_text(f"unexpected error: {type(exc).__name__}: {exc} (run again with --debug for details)", err=True)
        code = 1
    return _finish(code, argv)


def _finish(code: int, argv: list[str] | None) -> int:
    if argv is None:
        sys.exit(code)
    return code
