"""``engagement assets``: fetch the dashboard's browser files for offline classrooms.

Solara's page loads its JavaScript and fonts (the Vue 3/Vuetify app, RequireJS, Font Awesome)
through its own CDN proxy, which fetches them from a public CDN on first use and keeps them in a
cache folder. Where that CDN cannot be reached the page stays blank. This command fills the cache
folder from the npm registry (``npm pack``, the ordinary npm client) with exactly the packages
Solara asks for (``BROWSER_ASSETS``), so a machine prepared while online serves the page offline.
``engagement dashboard`` does the same before it starts the server, once per environment.

This module is light to import (the ``engagement`` command imports it to build its parser).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

#: npm packages (name@version) that the dashboard's page loads through Solara's CDN proxy: the
#: Vue 3 front end, RequireJS and Font Awesome, at the versions the installed Solara pins
#: (tests/test_app.py checks that Solara still asks for them).
BROWSER_ASSETS = (
    "@widgetti/solara-vuetify3-app@5.2.0",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
)
ASSETS_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"


def add_assets_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", metavar="DIR", default=None,
                        help=f"cache folder to fill (default: ${ASSETS_ENV}, else Solara's folder in this environment)")
    parser.add_argument("--check", action="store_true",
                        help="only report which files are missing (exit status 1 if any), fetch nothing")


def assets_main(args: argparse.Namespace) -> int:
    folder = Path(args.dir) if args.dir else assets_dir()
    missing = missing_assets(folder)
    if args.check:
        for spec in missing:
            print(f"missing: {spec}")
        print(f"{len(BROWSER_ASSETS) - len(missing)} of {len(BROWSER_ASSETS)} browser packages in {folder}")
        return 1 if missing else 0
    if missing:
        print(f"engagement: fetching {len(missing)} browser packages into {folder} ...", file=sys.stderr)
        problem = fetch_assets(missing, folder)
        if problem:
            print(f"engagement: error: {problem}", file=sys.stderr)
            return 1
    print(f"browser files ready in {folder}")
    return 0


def assets_dir() -> Path:
    """Solara's CDN cache folder: $SOLARA_ASSETS_PROXY_CACHE_DIR, else Solara's default for this environment."""
    configured = os.environ.get(ASSETS_ENV)
    return Path(configured) if configured else Path(sys.prefix) / "share" / "solara" / "cdn"


def missing_assets(assets: Path) -> list[str]:
    """The packages of ``BROWSER_ASSETS`` not yet unpacked in ``assets``."""
    return [spec for spec in BROWSER_ASSETS if not (assets / spec / "package.json").is_file()]


def fetch_assets(specs: Sequence[str], assets: Path) -> str | None:
    """Unpack npm packages into ``assets/NAME@VERSION/`` (the CDN's layout); an error text, or None.

    Each package is unpacked into a temporary folder first and moved into place whole, so an
    interrupted fetch leaves no half-filled package behind.
    """
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed, so the browser files cannot be fetched"
    try:
        assets.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=assets) as tmp:
            work = Path(tmp)
            result = subprocess.run([npm, "pack", *specs, "--silent", "--pack-destination", str(work)],
                                    check=False, capture_output=True, text=True, timeout=600, cwd=work)
            if result.returncode != 0:
                detail = (result.stderr.strip().splitlines() or ["no message"])[-1]
                return f"'npm pack' failed ({detail})"
            tarballs = result.stdout.split()
            if len(tarballs) != len(specs):
                return f"'npm pack' returned {len(tarballs)} packages for {len(specs)} requested"
            for spec, tarball in zip(specs, tarballs, strict=True):
                unpacked = work / f"unpacked-{tarball}"
                with tarfile.open(work / tarball) as archive:
                    archive.extractall(unpacked, filter="data")
                target = assets / spec
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    shutil.rmtree(target)
                (unpacked / "package").replace(target)
    except (OSError, subprocess.SubprocessError, tarfile.TarError) as error:
        return f"could not fetch the browser files: {error}"
    return None


