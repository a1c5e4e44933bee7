"""`python -m template_tools`: the template's commands, run from the project's root by the Makefile.

Each command imports its module only when it runs; errors that say what to do print without a traceback.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

USER_ERRORS = (ValueError, FileNotFoundError, RuntimeError)


def run(command: str, **kwargs: Any) -> Any:
    """Import template_tools.<command> and call its main(), turning user errors into clean exits."""
    module = importlib.import_module(f"{__package__}.{command}")
    try:
        return module.main(**kwargs)
    except USER_ERRORS as error:
        raise click.ClickException(str(error)) from error


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Update this project from its template, or add a step or a plugin with the template's generators."""


@cli.command()
@click.option("--vcs-ref", default=None, help="Template tag or commit to update to (default: the latest release).")
@click.option("--data", "data", multiple=True, metavar="KEY=VALUE", help="Change an answer, e.g. license=MIT.")
def update(vcs_ref: str | None, data: tuple[str, ...]) -> None:
    """Pull template improvements with copier update; fail on conflicts."""
    run("update", vcs_ref=vcs_ref, data=data)


@cli.command(name="check-update")
def check_update() -> None:
    """Tell whether the template has a newer release."""
    run("check_update")


@cli.command(name="update-pr")
@click.option("--output-dir", default=Path(".git/update-pr"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Where to write title.txt and body.md of the pull request (only when there is an update); "
                   "the default, inside .git, is never committed.")
@click.option("--branch", default="template-update", show_default=True, help="The pull request's branch.")
def update_pr(output_dir: Path, branch: str) -> None:
    """For scheduled CI: pull the newest template release (conflicts kept) and write the pull request's text."""
    run("update_pr", output_dir=output_dir, branch=branch)


@cli.command()
@click.argument("kind", type=click.Choice(["step", "plugin"]))
@click.argument("name")
@click.option("--data", "data", multiple=True, metavar="KEY=VALUE", help="An answer, e.g. after=etl.")
@click.option("--data-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A YAML file of answers.")
@click.option("--defaults", is_flag=True, help="Take the default of every question not answered.")
@click.option("--vcs-ref", default=None, help="Template tag or commit (default: the version of this project).")
def generate(kind: str, name: str, data: tuple[str, ...], data_file: Path | None, defaults: bool,
             vcs_ref: str | None) -> None:
    """Add a pipeline step or a trainer plugin with the template's generators (copier copy)."""
    run("generate", kind=kind, name=name, data=data, data_file=data_file, defaults=defaults, vcs_ref=vcs_ref)


if __name__ == "__main__":
    cli()
