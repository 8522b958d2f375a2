"""``engagement examples``: list the shipped example sweep specifications, or copy one into a folder.

The specifications are package data of ``experiments`` (``experiments/sweeps/*.toml``), so they are in the
wheel as well as in a clone; they are read with ``importlib.resources``. Each file's first comment line is
its description. Light to import: nothing beyond the standard library.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PACKAGE = "experiments"
FOLDER = "sweeps"


@dataclass(frozen=True)
class Example:
    """One shipped sweep specification: its name (file stem), file name and one-line description."""

    name: str
    filename: str
    description: str

    def text(self) -> str:
        return _folder().joinpath(self.filename).read_text(encoding="utf-8")


def _folder():
    return resources.files(PACKAGE).joinpath(FOLDER)


def _description(text: str, width: int = 110) -> str:
    """The first sentence of the file's opening comment, shortened to ``width`` characters."""
    import re
    import textwrap

    words = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#") or (words and not stripped.lstrip("#").strip()):
            break
        words.append(stripped.lstrip("#").strip())
    sentence = re.split(r"(?<=[.?!])\s", " ".join(words).strip(), maxsplit=1)[0]
    return textwrap.shorten(sentence, width, placeholder=" ...")


def examples() -> list[Example]:
    """The shipped example specifications, sorted by name."""
    found = []
    for item in _folder().iterdir():
        if item.name.endswith(".toml") and item.is_file():
            found.append(Example(item.name.removesuffix(".toml"), item.name,
                                 _description(item.read_text(encoding="utf-8"))))
    return sorted(found, key=lambda example: example.name)


def find(name: str) -> Example:
    """The example called ``name`` (with or without ``.toml``); UsageError naming the choices otherwise."""
    from .cli import UsageError

    wanted = name.removesuffix(".toml")
    known = examples()
    for example in known:
        if example.name == wanted:
            return example
    from .params import did_you_mean

    close = did_you_mean(wanted, [e.name for e in known])
    hint = f" (did you mean '{close}'?)" if close else ""
    raise UsageError(f"no example called '{name}'{hint}; 'engagement examples' lists them")


def copy_example(name: str, to: str | Path = ".", *, force: bool = False) -> Path:
    """Copy example ``name`` into folder ``to`` as NAME.toml; refuses (UsageError) to overwrite unless ``force``."""
    from .cli import UsageError

    example = find(name)
    folder = Path(to)
    target = folder / example.filename
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; use --force to overwrite it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(example.text(), encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror}") from None
    return target


# ====================================================================== engagement examples
def add_examples_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="example to copy (omit it to list the examples)")
    parser.add_argument("--to", metavar="DIR", default=".", help="folder to copy into (default: the current folder)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file of the same name")


def examples_main(args: argparse.Namespace) -> int:
    if args.name is None:
        import tomllib

        known = examples()
        width = max(len(example.name) for example in known)
        for example in known:
            design = tomllib.loads(example.text()).get("sweep", {}).get("design", "grid")
            print(f"{example.name:<{width}}  {design:<6}  {example.description}")
        print("\ncopy one here with: engagement examples NAME   (then: engagement sweep NAME.toml)")
        return 0
    target = copy_example(args.name, args.to, force=args.force)
    print(f"written {target}; run it with: engagement sweep {target}")
    return 0
