"""``engagement dashboard``: serve the teaching dashboard (``model/app.py``) to a browser.

The dashboard is a Solara app; this command runs ``solara run model.app`` as a child process
(production mode, no browser opened, no version check, no telemetry), waits until the page
answers, prints ``Dashboard at http://HOST:PORT/`` and keeps serving until it is interrupted
(Ctrl-C or SIGTERM), then stops the server.

Offline classrooms: the page's browser files are fetched into Solara's cache before the server
starts, once per environment (``model/assets.py``; ``engagement assets`` does only that, and
``--fetch-assets`` here is kept as the same).

``--lang de`` opens the page in German (it passes ``ENGAGEMENT_DASHBOARD_LANG`` to the server); the
page switches language by itself too.

This module is light to import (the ``engagement`` command imports it to build its parser):
solara and Mesa's visualisation are imported only by the server process.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from .assets import assets_dir, fetch_assets, missing_assets

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Seconds to wait for the server to answer; a cold start on a busy 2-core machine takes ~10 s.
DEFAULT_STARTUP_TIMEOUT = 120.0
APP_MODULE = "model.app"
#: Languages of the page (model/i18n.py LANGUAGES; repeated here so that this module stays light).
LANGUAGES = ("en", "de")
LANGUAGE_ENV = "ENGAGEMENT_DASHBOARD_LANG"


def add_dashboard_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this computer only; "
                             "0.0.0.0 lets other computers in the room connect)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--startup-timeout", type=float, default=DEFAULT_STARTUP_TIMEOUT, metavar="SECONDS",
                        help=f"give up if the server does not answer within this time (default {DEFAULT_STARTUP_TIMEOUT:g})")
    parser.add_argument("--lang", choices=LANGUAGES, default="en",
                        help="language the page opens in: en (English, default) or de (Deutsch); the page can switch")
    parser.add_argument("--fetch-assets", action="store_true",
                        help="only fetch the page's browser files into the cache (as 'engagement assets') and exit")


def dashboard_main(args: argparse.Namespace) -> int:
    from .cli import UsageError

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port = {args.port} must be between 0 and 65535")
    if not args.startup_timeout > 0:
        raise UsageError(f"--startup-timeout = {args.startup_timeout} must be > 0")
    if not args.fetch_assets:
        port = choose_port(args.host, args.port)
    assets = assets_dir()
    missing = missing_assets(assets)
    if missing:
        print(f"engagement: fetching the dashboard's browser files into {assets} (once) ...", file=sys.stderr)
        problem = fetch_assets(missing, assets)
        if problem:
            print(f"engagement: warning: {problem}; the page will load them from the public CDN if it can",
                  file=sys.stderr)
            if args.fetch_assets:
                return 1
    if args.fetch_assets:
        print(f"browser files ready in {assets}")
        return 0
    url = f"http://{_url_host(args.host)}:{port}/"
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)  # stop the server on SIGTERM too
    server = subprocess.Popen(server_command(args.host, port), env=server_environment(assets, args.lang))
    try:
        if not wait_until_up(server, _probe_url(args.host, port), args.startup_timeout):
            code = server.poll()
            reason = f"stopped with exit status {code}" if code is not None else \
                f"did not answer within {args.startup_timeout:g} s"
            print(f"engagement: error: the dashboard server {reason}", file=sys.stderr)
            return 1
        print(f"Dashboard at {url}", flush=True)
        print("Press Ctrl-C to stop it.", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(server)


def server_command(host: str, port: int) -> list[str]:
    """The Solara command line that serves the app."""
    return [sys.executable, "-m", "solara", "run", APP_MODULE, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def server_environment(assets: Path, lang: str = "en") -> dict[str, str]:
    """The server's environment: our asset cache, the page's language, no telemetry, no cookie warning on plain http."""
    from .assets import ASSETS_ENV

    env = dict(os.environ)
    env[ASSETS_ENV] = str(assets)
    env[LANGUAGE_ENV] = lang
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_THEME_SHOW_BANNER"] = "False"  # the "runs on Solara" banner covers the text panel
    env.setdefault("MPLBACKEND", "Agg")
    # Solara warns on every page load that a SameSite cookie needs https; a local http server is
    # the intended use here, and the warning would drown the log a teacher sees.
    cookie_warning = "ignore:Cookies with samesite=none require https:UserWarning"
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), cookie_warning]))
    return env


def choose_port(host: str, port: int) -> int:
    """``port`` if it can be bound on ``host`` now, or a free one for port 0; UsageError otherwise."""
    from .cli import UsageError

    try:
        with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            return int(probe.getsockname()[1])
    except socket.gaierror:
        raise UsageError(f"--host {host!r} is not an address of this computer") from None
    except OSError as error:
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror} (choose another with --port, 0 for any)") from None


def wait_until_up(server: subprocess.Popen, url: str, timeout: float) -> bool:
    """Poll ``url`` until it answers (True), the server exits or ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return False


def stop(server: subprocess.Popen, grace: float = 10.0) -> None:
    """Terminate the server and wait for it; kill it if it does not stop within ``grace`` seconds."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _probe_url(host: str, port: int) -> str:
    """Where to check that the server answers: a wildcard address is reached through loopback."""
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{_url_host(local)}:{port}/"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m model.dashboard [--host H] [--port P]``: the same as ``engagement dashboard``."""
    from .cli import main as cli_main

    return cli_main(["dashboard", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
