"""MkDocs hook: the command-line reference, generated from emgkit's own argparse parsers.

``docs/cli.md`` holds the marker ``<!-- emgkit-cli-reference -->``; this hook replaces it with one
section per command (usage, description, a table of arguments) read from ``emgkit.cli.build_parser()``,
so the page cannot drift from ``emgkit COMMAND --help``.
"""

from __future__ import annotations

import argparse
import os

MARKER = "<!-- emgkit-cli-reference -->"


def _cell(text: str) -> str:
    """Text for one Markdown table cell: one line, pipes and angle brackets escaped."""
    text = " ".join(str(text).split())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _argument(action: argparse.Action) -> tuple[str, str]:
    """The name column (option strings or positional metavar) and the help column of one argument."""
    if action.option_strings:
        name = ", ".join(action.option_strings)
        if action.nargs != 0:
            metavar = action.metavar or action.dest.upper()
            name += f" {metavar if isinstance(metavar, str) else ' '.join(metavar)}"
    else:
        name = action.metavar or action.dest
    help_text = action.help or ""
    if "%(" in help_text:
        help_text = help_text % {**vars(action), "prog": ""}
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        help_text += f" (one of: {', '.join(map(str, action.choices))})"
    return f"`{name}`", help_text


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, helps.get(name, ""), sub


def _section(parser: argparse.ArgumentParser, title: str, summary: str, level: int) -> list[str]:
    lines = [f"{'#' * level} `{title}`", ""]
    if summary:
        lines += [_cell(summary)[0].upper() + _cell(summary)[1:] + ".", ""]
    lines += ["```text", parser.format_usage().strip(), "```", ""]
    if parser.description and parser.description != summary:
        lines += [parser.description.strip(), ""]
    rows = [_argument(a) for a in parser._actions
            if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction)) and a.help != argparse.SUPPRESS]
    if rows:
        lines += ["| argument | meaning |", "|---|---|"]
        lines += [f"| {_cell(n)} | {_cell(h)} |" for n, h in rows]
        lines.append("")
    for name, help_text, sub in _subparsers(parser):
        lines += _section(sub, f"{title} {name}", help_text, min(level + 1, 4))
    return lines


def cli_reference() -> str:
    """The Markdown of every command and option of ``emgkit``, from ``emgkit.cli.build_parser()``."""
    from emgkit.cli import build_parser

    os.environ["COLUMNS"] = "100"  # argparse wraps usage lines at the terminal width; fix it for the page
    parser = build_parser()
    lines = []
    for name, help_text, sub in _subparsers(parser):
        lines += _section(sub, f"emgkit {name}", help_text, 2)
    top = [_argument(a) for a in parser._actions
           if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))]
    head = ["## Options of `emgkit` itself", "", "| argument | meaning |", "|---|---|"]
    head += [f"| {_cell(n)} | {_cell(h)} |" for n, h in top] + [""]
    return "\n".join(head + lines)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs hook signature)
    """Replace the marker in ``cli.md`` with the generated reference."""
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, cli_reference())
    return markdown
