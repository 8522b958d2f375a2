"""Hostile input to the command line (issue 10): every bad argument, spec file or config ends with exit status 2,
exactly one line on stderr and no traceback, and nothing is left half-written.

``model.cli.main(argv)`` is called in-process (it returns the exit status and must never raise); a few cases go
through the real console script to prove the console behaviour. Arguments are chosen so that no real run starts:
every generated command line holds at least one invalid value, and whatever else it holds is cheap (``--steps 0``,
100 users, 2 companies, folders under a temporary directory).

Set ``HOSTILE_REPORT=path.json`` to write how many distinct cases ran and how many ended cleanly.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import string
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from model.cli import main
from model.params import PARAM_NAMES

ROOT = Path(__file__).resolve().parent.parent
ENGAGEMENT = Path(sys.executable).parent / "engagement"
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
#: Every distinct case run, by kind, and those that ended cleanly (for the HOSTILE_REPORT summary).
CASES: dict[str, set[str]] = {}
CLEAN: dict[str, set[str]] = {}

CHEAP_PARAMS = "[params]\nn_users = 100\nn_companies = 2\n"
TINY_SPEC = f"[sweep]\nsteps = 0\nreplicates = 1\n{CHEAP_PARAMS}"
OPTIONS = {
    "run": ("--config", "--set", "--steps", "--seed", "--out", "--no-figure", "--overwrite", "--resume"),
    "sweep": ("--out", "--workers", "--dask-workers", "--scheduler", "--resume", "--retry-failed", "--seed",
              "--runs-per-task", "--chunk-rows", "--no-progress", "--overwrite"),
    "experiment": ("--quick", "--out", "--workers", "--seed", "--overwrite", "--resume"),
    "export": ("--csv", "--out", "--overwrite"), "analyze": ("--method", "--outcome", "--conf-level", "--resamples",
                                                              "--out", "--no-figure", "--overwrite"),
    "plot": ("--lang", "--format", "--dpi", "--out"), "examples": ("--to", "--force"), "verify": (), "params": (
        "--markdown",),
}


# ====================================================================== the check every case goes through
def check_refused(argv: list[str], capsys: pytest.CaptureFixture[str], *, kind: str, codes: tuple[int, ...] = (2,),
                  stdout_problems: bool = False) -> str:
    """Run ``engagement ARGV`` in-process; assert the exit status, one line on stderr, no traceback.

    stderr is captured as the console writes it (UTF-8, ``backslashreplace``: a non-UTF-8 byte from argv
    cannot break it); stdout as UTF-8, strict. ``stdout_problems``: the command may instead report problems on
    stdout with exit 1 (``verify`` of a broken folder), stderr then at most one line. Returns the stderr line.
    """
    key = json.dumps(argv, ensure_ascii=True)
    CASES.setdefault(kind, set()).add(key)
    capsys.readouterr()
    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    except SystemExit as exit_:  # argparse's --help/--version: never generated, but never a pass either
        pytest.fail(f"engagement {argv!r} raised SystemExit({exit_.code}) instead of returning")
    except BaseException as error:  # noqa: BLE001 - main must never raise
        pytest.fail(f"engagement {argv!r} raised {type(error).__name__}: {error}")
    stdout, stderr = out_bytes.getvalue().decode(), err_bytes.getvalue().decode()
    assert "Traceback" not in stderr + stdout, (argv, stderr)
    lines = stderr.splitlines()
    if stdout_problems and status == 1:
        assert len(lines) <= 1, (argv, stderr)
    else:
        assert status in codes, (argv, status, stderr)
        assert len(lines) == 1, (argv, stderr)
        assert lines[0].startswith("engagement"), (argv, stderr)
    CLEAN.setdefault(kind, set()).add(key)
    return lines[0] if lines else ""


@pytest.fixture(autouse=True, scope="module")
def _report():
    yield
    target = os.environ.get("HOSTILE_REPORT")
    if target:
        summary = {kind: {"cases": len(CASES[kind]), "clean": len(CLEAN.get(kind, ()))} for kind in sorted(CASES)}
        summary["total"] = {"cases": sum(len(v) for v in CASES.values()), "clean": sum(len(v) for v in CLEAN.values())}
        Path(target).write_text(json.dumps(summary, indent=2) + "\n")


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A fresh current folder, so that default output folders (results/...) land in a temporary place."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fresh(base: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=base))


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


# ====================================================================== strategies
#: Text that no option of any subcommand starts with (argparse accepts unambiguous prefixes of options).
def _not_an_option_prefix(text: str) -> bool:
    every = {"--help", "--version", *(option for options in OPTIONS.values() for option in options)}
    return not any(option.startswith(text) for option in every) and not text.startswith("-h")


junk_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=0, max_size=30)
surrogate_text = st.lists(st.integers(0x80, 0xFF), min_size=1, max_size=8).map(
    lambda codes: bytes(codes).decode("utf-8", "surrogateescape"))  # how Python sees non-UTF-8 bytes in argv
def _safe_token(text: str) -> bool:
    """Not ``-h...`` nor a prefix of a real option (which would print help or take the option's meaning)."""
    if text in ("-", "--") or not text.startswith("-"):
        return True
    return not text.startswith("-h") and _not_an_option_prefix(text.partition("=")[0])


hostile_text = st.one_of(junk_text, surrogate_text, st.sampled_from(["", " ", "-", "--", "../../x", "/", "\n", "nan",
                                                                     "inf", "-1", "1e400", "\t-3", "０"])
                         ).filter(_safe_token)
#: Characters that ``str.splitlines`` breaks at: a message quoting them raw would be two lines.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
#: Hostile text without line breaks: for places where the message quotes it raw today (see FOUND_IN_THE_RUNNER below).
one_line_text = hostile_text.filter(lambda text: not LINE_BREAKS & set(text))
not_an_int = hostile_text.filter(lambda text: not _parses_as_int(text))
negative_int = st.integers(max_value=-1).map(str)
unknown_option = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=15).map(
    lambda text: "--" + text).filter(_not_an_option_prefix)


def _parses_as_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


bad_number = st.one_of(st.sampled_from(["nan", "inf", "-inf", "NaN", "1e400", "-1e400", "", "x", "1,5", "[1]", "{}",
                                        "null", "true", "1e-400"]),
                       st.floats(allow_nan=True, allow_infinity=True).map(repr))
unknown_name = st.text(alphabet=string.ascii_lowercase + "_0123456789", min_size=1, max_size=25).filter(
    lambda name: name not in PARAM_NAMES)

#: name -> values that are always outside its range or of the wrong kind.
INVALID_VALUES = {
    "n_users": ["0", "99", "-5", "1e12", "2.5", "nan", "inf", "\"many\"", "[100]", "{}", "true", "null"],
    "n_companies": ["0", "-1", "10001", "1.5", "\"x\"", "1e400"],
    "social_influence": ["-0.1", "5.01", "nan", "inf", "-inf", "1e308", "\"strong\"", "[]"],
    "rewiring": ["1.5", "-1", "NaN"],
    "network": ["\"ring\"", "\"small world\"", "3", "[\"none\"]", "\"\"", "null"],
    "engine": ["\"gpu\"", "0", "\"\""],
    "exit_enabled": ["2", "\"maybe\"", "0.5", "[true]", "null"],
    "format_mix": ["\"advertisment\"", "{\"dialog\": 1}", "{\"dialogue\": -1}", "{\"dialogue\": 0}", "{}", "3",
                   "[\"dialogue\"]", "{\"dialogue\": \"lots\"}", "{\"dialogue\": 1e400}", "{\"dialogue\": true}"],
    "market_seed": ["-2", "1e30", "1.5", "9223372036854775808"],
    "maturity_age": ["0", "-3", "100001"],
    "depth_dialogue": ["-1", "10.5", "nan"],
}
bad_assignment = st.one_of(
    st.sampled_from([(name, value) for name, values in INVALID_VALUES.items() for value in values]).map(
        lambda pair: f"{pair[0]}={pair[1]}"),
    st.tuples(unknown_name, st.sampled_from(["1", "x", ""])).map(lambda pair: f"{pair[0]}={pair[1]}"),
    st.sampled_from(["", "=", "=3", "n_users", "noequals", " =1", "n_users==3"]),
)


# ---------------------------------------------------------------------- hostile files
def _toml_value(value: object) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


broken_bytes = st.one_of(
    st.binary(min_size=1, max_size=200).filter(lambda raw: not _is_valid_toml(raw)),
    st.sampled_from([b"\xff\xfe[\x00p\x00a\x00", "n_users = 100\n".encode("utf-16"), "n_users = 100\n".encode("utf-32"),
                     b"n_users = \"caf\xe9\"\n", b"[params\n", b"n_users = [\n", b"= 3\n", b"\x00\x00\x00",
                     b"[params]\n[params]\n", b"n_users = 100\nn_users = 200\n", b"a.b = 1\na = 2\n"]),
)


def _is_valid_toml(raw: bytes) -> bool:
    import tomllib

    try:
        tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return True


#: A [sweep] table that is always wrong, as TOML text (the rest of the spec is the tiny valid one).
BAD_SWEEP_TABLES = [
    'name = "../../x"', 'name = "/tmp/abs"', 'name = "a/b"', 'name = ""', 'name = ".hidden"', 'name = 3',
    "params = { n_users = 100 }", "replicate = 2", "seeds = 3", "desing = \"grid\"", "replicates = 1000000000000",
    "replicates = 0", "replicates = -1", "replicates = 1.5", "replicates = true", "replicates = \"2\"",
    "steps = -1", "steps = nan", "steps = inf", "seed = -1", "seed = 1.5", "seed = \"abc\"",
    "design = \"gird\"", "design = 3", "timeseries_every = -1", "timeseries_metrics = [\"gini\"]",
    "outcomes = []", "outcomes = \"gini\"", "outcomes = [\"gin\"]", "outcomes = [\"gini\", \"gini\"]",
    "samples = 4", "levels = 4", "second_order = true", "max_runs = 0", "max_runs = 1e12",
    'design = "lhs"\nsamples = 1000000000', 'design = "lhs"\nsamples = 1e9', 'design = "sobol"\nsamples = 6',
    'design = "morris"\nsamples = 1', 'design = "lhs"', 'design = "lhs"\nsamples = 0',
]
BAD_PARAMS_TABLES = [
    "social_influence = { low = 0, high = 1, step = 1e-12 }",
    "social_influence = { low = 0, high = 1, num = 1000000000 }",
    ("social_influence = { low = 0, high = 1, num = 1000 }\nrewiring = { low = 0, high = 1, num = 1000 }\n"
     "n_companies = { low = 1, high = 1000, num = 1000 }"),
    "social_influence = { low = nan, high = 1, num = 3 }", "social_influence = { low = 0, high = inf, num = 3 }",
    "social_influence = { low = 2, high = 1, num = 3 }", "social_influence = { low = 0, high = 1 }",
    "social_influence = { low = 0, high = 1, num = 1.5 }", "social_influence = { low = 0, high = 1, step = 0 }",
    "social_influence = { low = 0, high = 1, num = 3, step = 0.1 }", "social_influence = { low = 0, high = 1, nun = 3 }",
    "social_influence = { low = 0, high = 9, num = 3 }", "social_influence = []", "social_influence = [1, 1]",
    "n_compnies = 3", "network = { low = 0, high = 1, num = 2 }", "format_mix = { dialogue = -1 }",
    "format_mix = { dialog = 1 }", "n_users = 1979-05-27", "n_users = \"lots\"",
]


def sweep_spec_text(sweep: str = "", params: str = "") -> str:
    return f"[sweep]\nsteps = 0\n{sweep}\n[params]\nn_users = 100\nn_companies = 2\n{params}\n"


hostile_spec = st.one_of(
    broken_bytes,
    st.sampled_from(BAD_SWEEP_TABLES).map(lambda table: sweep_spec_text(sweep=table).encode()),
    st.sampled_from(BAD_PARAMS_TABLES).map(lambda table: sweep_spec_text(params=table).encode()),
    st.tuples(unknown_name, st.integers()).map(lambda pair: sweep_spec_text(sweep=f"{pair[0]} = {pair[1]}").encode()),
    st.tuples(unknown_name, st.integers()).map(lambda pair: sweep_spec_text(params=f"{pair[0]} = {pair[1]}").encode()),
    st.sampled_from([b"", b"# only a comment\n", b"x = 1\n", b"[sweep]\n[params]\n[other]\n", b"sweep = 1\nparams = 2\n"]),
)
hostile_config = st.one_of(
    broken_bytes,
    st.sampled_from([f"{name} = {value}" for name, values in INVALID_VALUES.items() for value in values
                     if value not in ("null", "{}") and not value.startswith("{")]).map(str.encode),
    st.tuples(unknown_name, st.integers()).map(lambda pair: f"{pair[0]} = {pair[1]}\n".encode()),
    st.sampled_from([TINY_SPEC.encode(), b"[sweep]\n", b"params = 3\n", b"n_users = 100\n[params]\nn_companies = 3\n",
                     b"[params]\nn_users = 100\n[sweep]\nsteps = 1\n"]),
)


# ====================================================================== engagement run
@SETTINGS
@given(facet=st.one_of(
    st.tuples(st.just("--steps"), st.one_of(not_an_int, negative_int)),
    st.tuples(st.just("--seed"), st.one_of(not_an_int, negative_int)),
    st.tuples(st.just("--set"), bad_assignment),
    st.tuples(unknown_option, one_line_text),
))
def test_run_refuses_bad_options_in_one_line(here, capsys, facet):
    option, value = facet
    out = fresh(here) / "out"
    check_refused(["run", "--steps", "0", "--no-figure", "--out", str(out), "--set", "n_users=100",
                   "--set", "n_companies=2", option, value], capsys, kind="run options")


@SETTINGS
@given(content=hostile_config)
def test_run_refuses_a_bad_config_file_naming_it(here, capsys, content):
    folder = fresh(here)
    config = write(folder, "config.toml", content)
    line = check_refused(["run", "--config", str(config), "--steps", "0", "--no-figure", "--out",
                          str(folder / "out")], capsys, kind="run --config")
    assert "config.toml" in line


@pytest.mark.parametrize("config", ["missing.toml", ".", "/dev/null/x.toml", "a\udcffb.toml", "dir", "a\nb.toml"])
def test_run_refuses_a_config_that_is_not_a_readable_file(here, capsys, config):
    (here / "dir").mkdir()
    check_refused(["run", "--config", config, "--steps", "0", "--no-figure", "--out", str(here / "out")], capsys,
                  kind="run --config")


def test_run_refuses_a_sweep_spec_as_config_pointing_to_engagement_sweep(here, capsys):
    spec = write(here, "spec.toml", TINY_SPEC)
    line = check_refused(["run", "--config", str(spec), "--steps", "0", "--out", str(here / "out")], capsys,
                         kind="run --config")
    assert f"run it with 'engagement sweep {spec}'" in line


# ====================================================================== engagement sweep
@SETTINGS
@given(content=hostile_spec)
def test_sweep_refuses_a_bad_spec_before_anything_is_written(here, capsys, content):
    folder = fresh(here)
    spec = write(folder, "spec.toml", content)
    out = folder / "out"
    check_refused(["sweep", str(spec), "--out", str(out), "--no-progress"], capsys, kind="sweep spec")
    assert not out.exists()
    assert not (here / "results").exists()


@SETTINGS
@given(facet=st.one_of(
    st.tuples(st.sampled_from(["--workers", "--dask-workers", "--chunk-rows", "--runs-per-task", "--seed"]),
              st.one_of(not_an_int, negative_int)),
    st.tuples(st.sampled_from(["--workers", "--dask-workers", "--chunk-rows"]), st.just("0")),
    st.tuples(unknown_option, one_line_text),
))
def test_sweep_refuses_bad_options_before_anything_is_written(here, capsys, facet):
    folder = fresh(here)
    spec = write(folder, "spec.toml", TINY_SPEC)
    out = folder / "out"
    check_refused(["sweep", str(spec), "--out", str(out), "--no-progress", *facet], capsys, kind="sweep options")
    assert not out.exists()


@pytest.mark.parametrize("spec", ["missing.toml", "", ".", "dir", "/dev/null/x.toml", "a\udcffb.toml"])
def test_sweep_refuses_a_spec_that_is_not_a_readable_file(here, capsys, spec):
    (here / "dir").mkdir()
    check_refused(["sweep", spec, "--no-progress"], capsys, kind="sweep spec")
    assert not (here / "results").exists()


# ====================================================================== engagement params, experiment, examples
@SETTINGS
@given(extra=st.one_of(unknown_option.map(lambda option: [option]), one_line_text.map(lambda text: [text])))
def test_params_refuses_extra_arguments(here, capsys, extra):
    assume(extra not in (["--markdown"], ["--"]))
    check_refused(["params", *extra], capsys, kind="params")


@SETTINGS
@given(name=hostile_text.filter(lambda text: text not in _experiments()),
       extra=st.sampled_from([[], ["--quick"], ["--workers", "1"], ["--seed", "3"]]))
def test_experiment_refuses_an_unknown_name(here, capsys, name, extra):
    check_refused(["experiment", name, "--out", str(fresh(here) / "out"), *extra], capsys, kind="experiment name")
    assert not (here / "results").exists()


@SETTINGS
@given(facet=st.tuples(st.sampled_from(["--workers", "--seed"]), not_an_int), name=st.sampled_from(
    ["few_winners", "crowding", "validation"]))
def test_experiment_refuses_options_that_are_not_numbers(here, capsys, facet, name):
    check_refused(["experiment", name, "--quick", "--out", str(fresh(here) / "out"), *facet], capsys,
                  kind="experiment options")


@SETTINGS
@given(name=one_line_text.filter(lambda text: text not in _example_names() and not text.startswith("-")))
def test_examples_refuses_an_unknown_name(here, capsys, name):
    check_refused(["examples", name, "--to", str(fresh(here))], capsys, kind="examples")


def _experiments() -> tuple[str, ...]:
    from experiments import EXPERIMENTS

    return tuple(EXPERIMENTS)


def _example_names() -> tuple[str, ...]:
    from model.examples import examples

    return tuple(example.name for example in examples())


# ====================================================================== folders: export, analyze, plot, verify
#: What a hostile results folder may hold: nothing, garbage, a manifest that is not one.
MANIFESTS = st.one_of(
    st.none(),
    st.binary(max_size=100),
    st.sampled_from([b"", b"{", b"[]", b"null", b"3", b"\"x\"", b"{}", b"\xff\xfe{\x00}\x00", b"NaN"]),
    st.fixed_dictionaries({}, optional={
        "kind": st.sampled_from(["sweep", "experiment", "run", "legacy", "", 3]),
        "experiment": st.one_of(st.sampled_from(["nope", "../x", "", "few_winners"]), st.integers()),
        "n_runs": st.one_of(st.integers(-5, 10**15), st.floats(allow_nan=True), st.text(max_size=3)),
        "spec": st.one_of(st.dictionaries(st.text(max_size=5), st.integers(), max_size=3), st.text(max_size=5)),
        "status": st.text(max_size=5),
    }).map(lambda manifest: json.dumps(manifest).encode()),
)


def hostile_folder(base: Path, manifest: bytes | None, shape: str) -> str:
    """A path that is not a usable results folder: missing, a file, or a folder with a hostile manifest."""
    folder = fresh(base)
    if shape == "missing":
        return str(folder / "missing")
    if shape == "file":
        return str(write(folder, "file.txt", b"not a folder"))
    if shape == "traversal":
        return str(folder / ".." / ".." / "nonexistent-hostile-folder")
    if manifest is not None:
        write(folder, "manifest.json", manifest)
    return str(folder)


folder_shapes = st.sampled_from(["missing", "file", "traversal", "folder"])


@SETTINGS
@given(manifest=MANIFESTS, shape=folder_shapes)
def test_export_refuses_a_folder_that_is_not_a_store(here, capsys, manifest, shape):
    folder = hostile_folder(here, manifest, shape)
    check_refused(["export", folder, "--csv", "--out", str(fresh(here) / "out")], capsys, kind="export")


@SETTINGS
@given(manifest=MANIFESTS, shape=folder_shapes, method=st.sampled_from(["sobol", "morris"]),
       outcome=st.sampled_from(["gini", "gin", "", "../x"]))
def test_analyze_refuses_a_folder_that_is_not_a_finished_sweep(here, capsys, manifest, shape, method, outcome):
    folder = hostile_folder(here, manifest, shape)
    check_refused(["analyze", folder, "--method", method, "--outcome", outcome, "--no-figure", "--out",
                   str(fresh(here) / "out")], capsys, kind="analyze")


@SETTINGS
@given(facet=st.one_of(
    st.tuples(st.just("--method"), hostile_text.filter(lambda text: text not in ("sobol", "morris"))),
    st.tuples(st.just("--conf-level"), st.one_of(bad_number, st.sampled_from(["0", "1", "-0.5", "2", "1.5"]))),
    st.tuples(st.just("--resamples"), st.one_of(not_an_int, negative_int, st.just("0"), st.just("1000000000"))),
    st.tuples(unknown_option, one_line_text),
))
def test_analyze_refuses_bad_options(here, capsys, facet):
    folder = hostile_folder(here, None, "folder")
    argv = ["analyze", folder, "--outcome", "gini", "--no-figure", "--out", str(fresh(here) / "out"), *facet]
    if facet[0] != "--method":
        argv[2:2] = ["--method", "sobol"]
    check_refused(argv, capsys, kind="analyze options")


@SETTINGS
@given(manifest=MANIFESTS, shape=folder_shapes)
def test_plot_refuses_a_folder_without_an_experiment(here, capsys, manifest, shape):
    folder = hostile_folder(here, manifest, shape)
    check_refused(["plot", folder], capsys, kind="plot")


@SETTINGS
@given(manifest=MANIFESTS, shape=folder_shapes)
def test_verify_reports_a_broken_folder_without_a_traceback(here, capsys, manifest, shape):
    folder = hostile_folder(here, manifest, shape)
    check_refused(["verify", folder], capsys, kind="verify", stdout_problems=True)


# ====================================================================== the command itself
@SETTINGS
@given(argv=st.one_of(
    st.just([]),
    hostile_text.filter(lambda text: text not in OPTIONS and text not in ("dashboard", "assets")
                        and _not_an_option_prefix(text)).map(lambda text: [text]),
    unknown_option.map(lambda option: [option]),
    st.sampled_from([["run", "--steps"], ["sweep"], ["export"], ["analyze"], ["plot"], ["verify"],
                     ["experiment"], ["run", "--set"], ["sweep", "x.toml", "--workers"]]),
))
def test_unknown_commands_and_missing_arguments_are_refused(here, capsys, argv):
    check_refused(argv, capsys, kind="command")


# ====================================================================== nothing half-written
def test_a_bad_seed_or_parameter_for_run_writes_nothing(here, capsys):
    for argv in (["--seed", "-1"], ["--set", "n_users=5"], ["--set", "format_mix={\"dialogue\": -1}"],
                 ["--config", "missing.toml"], ["--steps", "-1"]):
        out = fresh(here) / "out"
        check_refused(["run", "--steps", "0", "--no-figure", "--out", str(out), *argv], capsys, kind="run writes")
        assert not out.exists(), argv


# ====================================================================== through the real console script
def console(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(ENGAGEMENT), *args], cwd=cwd, capture_output=True, timeout=120, check=False,
                          **kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize(("case", "fragment"), [
    ("seed", "seed"), ("utf16 config", "config.toml is not UTF-8 text"), ("sweep name", "name = '../../escape'"),
    ("huge design", "1,000,000,000,000 runs"), ("non-utf8 argv", "conf\\udcff.toml"),
])
def test_the_console_script_prints_one_line_naming_the_culprit_and_exits_2(tmp_path, case, fragment):
    spec = write(tmp_path, "spec.toml", sweep_spec_text(sweep='name = "../../escape"'))
    huge = write(tmp_path, "huge.toml", sweep_spec_text(sweep="replicates = 1000000000000"))
    config = write(tmp_path, "config.toml", "n_users = 100\n".encode("utf-16"))
    args = {
        "seed": ["run", "--seed", "-1", "--steps", "0", "--out", "out"],
        "utf16 config": ["run", "--config", str(config), "--steps", "0", "--out", "out"],
        "sweep name": ["sweep", str(spec), "--no-progress"],
        "huge design": ["sweep", str(huge), "--no-progress", "--out", "out"],
        "non-utf8 argv": ["run", "--config", os.fsdecode(b"conf\xff.toml"), "--steps", "0", "--out", "out"],
    }[case]
    CASES.setdefault("console", set()).add(case)
    result = subprocess.run([str(ENGAGEMENT), *args], cwd=tmp_path, capture_output=True, timeout=120, check=False)
    err = result.stderr.decode("utf-8", "backslashreplace")
    assert result.returncode == 2, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("engagement")
    assert fragment in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path.parent / "escape").exists()
    CLEAN.setdefault("console", set()).add(case)


# ====================================================================== cases found in the command line of the runner
#: Cases that once failed in the runner's command line (found by this suite, fixed in model/cli.py).
FOUND_IN_THE_RUNNER = [
    pytest.param(["run", "--config", "", "--steps", "0", "--no-figure", "--out", "{tmp}/out"],
                 id="run --config ''"),
    pytest.param(["params", "a\nb"],
                 id="params a\\nb"),
    pytest.param(["run", "--steps", "0", "--out", "{tmp}/out", "--bogus", "x\ry"],
                 id="run --bogus x\\ry"),
    pytest.param(["examples", "\r", "--to", "{tmp}"],
                 id="examples \\r"),
]


@pytest.mark.parametrize("argv", FOUND_IN_THE_RUNNER)
def test_cases_found_in_the_runners_command_line(here, capsys, argv):
    check_refused([arg.replace("{tmp}", str(here)) for arg in argv], capsys, kind="runner")
