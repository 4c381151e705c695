"""Sessions of the ouroboros federation.

The package list is discovered from ``packages/*/pyproject.toml``; nothing here
names a package. Wheels are built once per profile into ``dist/<profile>/``
with one Rust target dir and one build interpreter, so switching sessions never
recompiles PyO3.

    nox -s build                 every wheel (profile `ci`; OUROBOROS_PROFILE=release for release)
    nox -s suites                every package's pytest suite and every crate's cargo tests, once, in one venv
    nox -s "tests(package='ouroboros-kv')"   one package: pytest + cargo test in its own venv
    nox -s matrix                cross-package tests, previous releases beside current ones, each package alone
    nox -s lint                  ruff, rustfmt, cargo clippy, mypy stubtest
    nox -s scripts               tests of scripts/ (services from a 0700 checkout, release, previous releases)
    nox -s release -- ouroboros-http patch --dry-run
    nox -s bench -- validation   peers side by side, release wheels
    nox -s demo                  the demo app on http://127.0.0.1:8000
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
DIST = ROOT / "dist"
PYTEST_INI = ROOT / "scripts" / "pytest.ini"
# Every wheel is built against this interpreter so PyO3's build script sees the
# same Python in every session (a different path would rebuild PyO3 and every
# crate above it).
BUILD_PYTHON = os.environ.get("OUROBOROS_BUILD_PYTHON", getattr(sys, "_base_executable", sys.executable))
TEST_TOOLS = ["pytest>=8", "pytest-timeout>=2.3", "pytest-asyncio>=1.0"]
# Set by `scripts/dev test` for the sessions after `suites`: the wheels in
# dist/ were built from this same tree minutes before. Calling maturin again
# would rebuild PyO3 and every crate above it, because `cargo test` and
# `cargo clippy` in between ran PyO3's build script with another configuration.
REUSE_WHEELS = os.environ.get("OUROBOROS_REUSE_WHEELS") == "1"

nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["suites", "matrix", "lint", "scripts"]


@dataclass
class Package:
    """One distribution under packages/."""

    name: str
    path: Path
    backend: str
    dependencies: list[str]
    extras: dict[str, list[str]]
    #: Rust crates under the package folder that have Rust tests. A binding
    #: crate (``*-py``) without any is left to pytest: linking it into a cargo
    #: test binary flips PyO3's build configuration, which rebuilds PyO3 and
    #: every crate above it, for nothing.
    crates: list[str] = field(default_factory=list)

    @property
    def module(self) -> str | None:
        """``ouroboros.<name>`` for a module package, None for kit/core."""
        short = self.name.removeprefix("ouroboros-")
        return f"ouroboros.{short}" if (self.path / "python" / "ouroboros" / short).is_dir() else None

    @property
    def siblings(self) -> list[str]:
        """Other ouroboros distributions this one depends on."""
        return [re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0] for d in self.dependencies if d.startswith("ouroboros-")]


def _has_rust_tests(crate: Path) -> bool:
    sources = [*crate.glob("src/**/*.rs"), *crate.glob("tests/**/*.rs")]
    return any("#[test]" in src.read_text(encoding="utf-8") for src in sources)


def _crate_names(folder: Path) -> list[str]:
    names = []
    for manifest in sorted(folder.rglob("Cargo.toml")):
        if "target" in manifest.parts or "node_modules" in manifest.parts:
            continue
        data = tomllib.loads(manifest.read_text())
        if "package" not in data:
            continue
        name = data["package"]["name"]
        if not name.endswith("-py") or _has_rust_tests(manifest.parent):
            names.append(name)
    return names


def discover() -> dict[str, Package]:
    """Every package under packages/, by distribution name."""
    found = {}
    for pyproject in sorted([*ROOT.glob("packages/*/pyproject.toml"), *ROOT.glob("argus/pyproject.toml")]):
        data = tomllib.loads(pyproject.read_text())
        project = data["project"]
        backend = data["build-system"]["build-backend"].split(".")[0]
        path = pyproject.parent
        deps = list(project.get("dependencies", []))
        extras = dict(project.get("optional-dependencies", {}))
        if "dependencies" in project.get("dynamic", []):
            # ouroboros-kit: dependencies come from its compatibility table.
            table = tomllib.loads((path / "python/ouroboros/kit/compat.toml").read_text())
            deps = [f"{k}{v}" for k, v in table["core"].items()]
            extras = {"all": [f"{k}{v}" for k, v in table["modules"].items()]}
        found[project["name"]] = Package(project["name"], path, backend, deps, extras, _crate_names(path))
    return found


PACKAGES = discover()
SHARED_CRATES = _crate_names(ROOT / "rust-shared")
HACK_CRATE = "ouroboros-hack"


def closure(names: list[str]) -> list[Package]:
    """The packages named plus every ouroboros package they depend on."""
    seen: dict[str, Package] = {}
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in PACKAGES:
            raise SystemExit(f"unknown package {name!r}; known: {', '.join(PACKAGES)}")
        seen[name] = PACKAGES[name]
        stack.extend(PACKAGES[name].siblings)
    return list(seen.values())


def cargo_env() -> dict[str, str]:
    """Environment for cargo commands that link libpython (tests, clippy)."""
    env = {"PYO3_PYTHON": BUILD_PYTHON, "CARGO_TERM_COLOR": "never"}
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [libdir, os.environ.get("LD_LIBRARY_PATH")]))
    return env


@contextmanager
def step(session: nox.Session, label: str, timings: list[tuple[str, float]] | None = None) -> Iterator[None]:
    """Log a long step's start and its duration (appended to `timings` when given)."""
    session.log(f"> {label}")
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    session.log(f"< {label}: {elapsed:.0f}s")
    if timings is not None:
        timings.append((label, elapsed))


def report_timings(session: nox.Session, timings: list[tuple[str, float]]) -> None:
    width = max(len(label) for label, _ in timings)
    lines = [f"{label:<{width}}  {elapsed:6.0f}s" for label, elapsed in timings]
    session.log("step timings:\n  " + "\n  ".join(lines))


def check_wheel(session: nox.Session, wheel: Path) -> None:
    """Reject a wheel that ships ouroboros/__init__.py (see scripts/check_wheel.py)."""
    session.run("python", str(ROOT / "scripts" / "check_wheel.py"), str(wheel), silent=True)


def hack_features(profile: str) -> list[str]:
    """maturin's feature flag for the workspace-hack crate (rust-shared/ouroboros-hack), `ci` only.

    With it, every wheel and the cargo tests compile one set of dependencies
    (each wheel built alone used to resolve its own features: 934 distinct
    compile units for CI, 604 with it). Release wheels stay lean: a package
    built alone compiles only its own dependencies.
    """
    return ["--features", "workspace-hack"] if profile == "ci" else []


def build_wheels(session: nox.Session, packages: list[Package], profile: str) -> list[Path]:
    """Build (or rebuild, cheaply when nothing changed) wheels into dist/<profile>."""
    out = DIST / profile
    out.mkdir(parents=True, exist_ok=True)
    wheels = []
    started = time.monotonic()
    for number, pkg in enumerate(packages, 1):
        stem = pkg.name.replace("-", "_")
        built = list(out.glob(f"{stem}-*.whl"))
        if REUSE_WHEELS and len(built) == 1:
            session.log(f"[{number}/{len(packages)}] {pkg.name}: reusing {built[0].relative_to(ROOT)}")
            wheels.append(built[0])
            continue
        for old in built:
            old.unlink()
        session.log(f"[{number}/{len(packages)}] building the {pkg.name} wheel (profile {profile})")
        if pkg.backend == "maturin":
            session.run(
                "maturin",
                "build",
                "--profile",
                profile,
                "--interpreter",
                BUILD_PYTHON,
                "--out",
                str(out),
                "--manifest-path",
                str(pkg.path / "Cargo.toml"),
                *hack_features(profile),
                external=True,
                env={"CARGO_TERM_COLOR": "never"},
            )
        else:
            session.run("uv", "build", "--wheel", "--out-dir", str(out), str(pkg.path), external=True)
        (wheel,) = out.glob(f"{stem}-*.whl")
        check_wheel(session, wheel)
        wheels.append(wheel)
    session.log(f"{len(wheels)} wheel(s) ready in {time.monotonic() - started:.0f}s")
    return wheels


def install_packages(
    session: nox.Session, names: list[str], extra: str | None = None, profile: str = "ci"
) -> dict[str, Path]:
    """Build and install the named packages with their ouroboros dependencies.

    Returns the wheel of every package installed, by distribution name.
    """
    session.install("maturin>=1.16,<2")
    packages = closure(names)
    wheels = build_wheels(session, packages, profile)
    requirements = list(TEST_TOOLS)
    for pkg in packages:
        if extra and pkg.name in names:
            requirements.extend(pkg.extras.get(extra, []))
        requirements.extend(d for d in pkg.dependencies if not d.startswith("ouroboros-"))
    session.install(*[str(w) for w in wheels], *requirements)
    return {pkg.name: wheel for pkg, wheel in zip(packages, wheels, strict=True)}


def profile_name() -> str:
    return os.environ.get("OUROBOROS_PROFILE", "ci")


@nox.session
def build(session: nox.Session) -> None:
    """Build every wheel (or those named: nox -s build -- ouroboros-kv)."""
    session.install("maturin>=1.16,<2")
    names = session.posargs or list(PACKAGES)
    wheels = build_wheels(session, [PACKAGES[n] for n in names], profile_name())
    session.log("built:\n  " + "\n  ".join(str(w.relative_to(ROOT)) for w in wheels))


def pytest_package(session: nox.Session, pkg: Package, *args: str) -> None:
    """One package's suite (tests/federation is the matrix's)."""
    session.run(
        "pytest",
        "-c",
        str(PYTEST_INI),
        "--rootdir",
        str(pkg.path),
        str(pkg.path / "tests"),
        "--ignore",
        str(pkg.path / "tests" / "federation"),
        *args,
    )


def cargo_test_args(crates: list[str]) -> list[str]:
    # The hack crate in the same invocation: the same dependency features as the ci wheels.
    selected = dict.fromkeys([*crates, HACK_CRATE])
    return ["cargo", "test", "--profile", "ci", *[f"-p={c}" for c in selected]]


# What `lint` runs; `suites` runs it early, in the background (see background_compile).
CLIPPY = ["cargo", "clippy", "--workspace", "--all-targets", "--profile", "ci", "--", "-D", "warnings"]


def cargo_test(session: nox.Session, crates: list[str]) -> None:
    session.run(*cargo_test_args(crates), external=True, env=cargo_env())


@contextmanager
def background_compile(session: nox.Session, commands: list[list[str]]) -> Iterator[None]:
    """Run cargo compiles at the lowest CPU priority while the body (the pytest suites) runs.

    The suites mostly wait on sockets, services and subprocesses, so on a
    small machine a core sits idle for most of their ten minutes. Compiling
    the cargo tests and clippy's checks in that time takes them off the
    critical path; at nice 19 the tests keep the CPU whenever they want it.
    Nothing here decides an outcome: the foreground `cargo test` and `lint`'s
    clippy run the same commands afterwards (instantly when this finished) and
    report any error themselves. Its output goes to target/background-compile.log.
    """
    log_path = ROOT / "target" / "background-compile.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    script = " ; ".join(shlex.join(cmd) for cmd in commands)
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            ["nice", "-n", "19", "sh", "-c", script],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **cargo_env()},
            # Its own process group (to stop it as a whole), not its own session: a
            # new session is a new scheduler autogroup, which gets an equal share of
            # the CPU whatever its nice value, and would slow the tests by half.
            process_group=0,
        )
    session.log(f"compiling in the background at nice 19 (log: {log_path.relative_to(ROOT)}): " + script)
    try:
        yield
        if proc.poll() is None:
            waited = time.monotonic()
            session.log("waiting for the background compile to finish")
            proc.wait()
            session.log(
                f"background compile done: {time.monotonic() - started:.0f}s in all, "
                f"{time.monotonic() - waited:.0f}s of them waited for (exit {proc.returncode})"
            )
        else:
            session.log(f"the background compile had finished (exit {proc.returncode})")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 15)
            proc.wait()


@nox.session
@nox.parametrize("package", [*PACKAGES, "rust-shared"])
def tests(session: nox.Session, package: str) -> None:
    """pytest and cargo test of one package in its own venv (`rust-shared`: the shared crates)."""
    if package == "rust-shared":
        cargo_test(session, SHARED_CRATES)
        return
    pkg = PACKAGES[package]
    install_packages(session, [package], extra="test")
    pytest_package(session, pkg, *session.posargs)
    if pkg.crates:
        cargo_test(session, pkg.crates)


@nox.session
def suites(session: nox.Session) -> None:
    """Every package's suite once, all wheels in one venv, then every crate's cargo tests in one run.

    The cargo tests and clippy compile in the background while pytest runs.

    What CI runs instead of every `tests(package=...)`: the same tests (plus
    those that need a sibling package installed), each run once. One pytest
    run per package: their test folders share module names.
    """
    timings: list[tuple[str, float]] = []
    with step(session, "build and install every wheel", timings):
        install_packages(session, list(PACKAGES), extra="test")
    crates = [*SHARED_CRATES, *(c for p in PACKAGES.values() for c in p.crates)]
    with background_compile(session, [[*cargo_test_args(crates), "--no-run"], CLIPPY]):
        for pkg in PACKAGES.values():
            with step(session, f"pytest {pkg.name}", timings):
                pytest_package(session, pkg, "-q", *session.posargs)
    with step(session, f"cargo test ({len(crates)} crates)", timings):
        cargo_test(session, crates)
    report_timings(session, timings)


@nox.session
def matrix(session: nox.Session) -> None:
    """Cross-package tests, each module's previous minor release beside the others, each package alone."""
    timings: list[tuple[str, float]] = []
    kit = PACKAGES["ouroboros-kit"]
    federation = [
        "pytest",
        "-c",
        str(PYTEST_INI),
        "--rootdir",
        str(kit.path),
        "-q",
        str(kit.path / "tests" / "federation"),
        *session.posargs,
    ]
    with step(session, "build and install every wheel", timings):
        wheels = install_packages(session, list(PACKAGES), extra="test")
    with step(session, "cross-package tests (current versions)", timings):
        session.run(*federation)
        session.run("ob", "--version")
    # Users upgrade one package at a time: each module's previous minor
    # release (built from its git tag) beside the current others.
    session.install("packaging>=23")
    for pkg in PACKAGES.values():
        found = session.run(
            "python", str(ROOT / "scripts" / "previous.py"), "find", pkg.name, silent=True, log=False
        ).strip()
        if not found:
            session.log(f"{pkg.name}: no previous minor release is tagged yet; nothing older to test beside the others")
            continue
        tag, version = found.split()
        with step(session, f"{pkg.name} {version} (from tag {tag}) beside the current others", timings):
            old = Path(
                session.run(
                    "python",
                    str(ROOT / "scripts" / "previous.py"),
                    "build",
                    pkg.name,
                    tag,
                    "--out",
                    str(DIST / "previous"),
                    "--interpreter",
                    BUILD_PYTHON,
                    silent=True,
                ).splitlines()[-1]
            )
            session.install("--reinstall", str(old))
            session.run(*federation)
            session.install("--reinstall", str(wheels[pkg.name]))
    # Each package alone: a fresh venv per package, its wheel and nothing else
    # of ours but what it declares.
    with step(session, "each package alone", timings):
        for pkg in PACKAGES.values():
            venv = ROOT / ".nox" / "alone" / pkg.name
            session.run("uv", "venv", "--quiet", "--python", BUILD_PYTHON, str(venv), external=True)
            py = str(venv / "bin" / "python")
            needed = [str(wheels[p.name]) for p in closure([pkg.name])]
            session.run("uv", "pip", "install", "--quiet", "--python", py, *needed, external=True)
            target = pkg.module or "ouroboros.kit"
            deps = [p.name for p in closure([pkg.name]) if p.name != pkg.name]
            session.run(py, str(ROOT / "scripts" / "check_alone.py"), pkg.name, target, *deps, external=True)
    report_timings(session, timings)


@nox.session
def scripts(session: nox.Session) -> None:
    """Tests of the project's scripts: services from a 0700 checkout (root and another user), release, previous."""
    session.install(*TEST_TOOLS, "packaging>=23")
    session.run(
        "pytest",
        "-c",
        str(PYTEST_INI),
        "--rootdir",
        str(ROOT / "scripts"),
        str(ROOT / "scripts" / "tests"),
        *session.posargs,
    )


@nox.session
def release(session: nox.Session) -> None:
    """One package's release (version, changelog, compatibility): nox -s release -- ouroboros-http patch --dry-run."""
    session.install("packaging>=23")
    session.run("python", str(ROOT / "scripts" / "release.py"), *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, rustfmt, cargo clippy (warnings are errors), mypy stubtest of every native module."""
    session.install("ruff>=0.17,<0.18", "mypy>=2.4,<3")
    session.run("ruff", "check", "--config", str(ROOT / "scripts" / "ruff.toml"), str(ROOT))
    session.run("ruff", "format", "--check", "--config", str(ROOT / "scripts" / "ruff.toml"), str(ROOT))
    session.run("cargo", "fmt", "--all", "--check", external=True)
    session.run(*CLIPPY, external=True, env=cargo_env())
    install_packages(session, list(PACKAGES))
    packages = PACKAGES.values()
    natives = [f"{p.module}._{p.module.rsplit('.', 1)[1]}" for p in packages if p.backend == "maturin" and p.module]
    session.run(
        "python", "-m", "mypy.stubtest", "--allowlist", str(ROOT / "scripts" / "stubtest-allowlist.txt"), *natives
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks of one module against its peers: nox -s bench -- validation."""
    if not session.posargs:
        session.error(
            "name a module: nox -s bench -- validation (one of: "
            + ", ".join(p.name.removeprefix("ouroboros-") for p in PACKAGES.values() if p.module)
            + ")"
        )
    name = session.posargs[0]
    if name == "sheet":
        # The spreadsheet engine is not a Python package: its benchmark drives
        # the native engine, the WebAssembly build and HyperFormula in node.
        sheet_build(session)
        session.run("python", str(ROOT / "frontend-sheet" / "benchmarks" / "bench_sheet.py"), *session.posargs[1:])
        return
    dist = name if name.startswith("ouroboros-") else f"ouroboros-{name}"
    pkg = PACKAGES[dist]
    scripts = sorted((pkg.path / "benchmarks").glob("bench_*.py"))
    if not scripts:
        session.error(f"{dist} has no benchmarks/bench_*.py yet")
    install_packages(session, [dist], extra="bench", profile="release")
    for script in scripts:
        session.run("python", str(script), *session.posargs[1:])


SHEET = ROOT / "frontend-sheet"


def sheet_build(session: nox.Session) -> None:
    """npm ci, the WebAssembly build (toolchain set up on first use), tsc."""
    session.chdir(SHEET)
    session.run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", external=True)
    session.run("bash", "scripts/build-wasm.sh", external=True)
    session.run("npm", "run", "build", "--silent", external=True)
    # The page the browser tests drive (src/page.ts bundled into web/dist).
    session.run("node", "scripts/build-web.mjs", external=True)
    session.chdir(ROOT)


@nox.session
def sheet(session: nox.Session) -> None:
    """The spreadsheet: WASM build, node tests (engine, collaboration, browser), pycrdt and differential tests."""
    session.install(*TEST_TOOLS, "openpyxl>=3.1,<4", "formulas>=1.3,<2", "pycrdt>=0.14,<0.15", "websockets>=15")
    # `ob sheet serve` (tests/collab/test_ob_sheet_serve.py): the kit and core are pure Python.
    session.install(str(PACKAGES["ouroboros-core"].path), str(PACKAGES["ouroboros-kit"].path))
    sheet_build(session)
    # sheet-eval for the differential test; sheet-collab, the collaboration
    # server, for the node (yjs/y-websocket), pycrdt and `ob sheet serve`
    # tests. Two cargo calls: built together, the two packages unify their
    # dependencies' features differently from serve.sh's build of
    # sheet-collab alone, which then rebuilt them inside a timed test.
    for package, binary in (("sheet-io", "sheet-eval"), ("sheet-collab", "sheet-collab")):
        session.run("cargo", "build", "--profile", "ci", "-p", package, "--bin", binary, external=True, env=cargo_env())
    session.chdir(SHEET)
    session.run(
        "npm", "test", "--silent", external=True, env={"SHEET_COLLAB": str(ROOT / "target" / "ci" / "sheet-collab")}
    )
    session.chdir(ROOT)
    session.run(
        "pytest",
        "-c",
        str(PYTEST_INI),
        "--rootdir",
        str(SHEET / "tests"),
        # `formulas` (the reference engine) has `is` comparisons with literals.
        "-W",
        "ignore::SyntaxWarning",
        str(SHEET / "tests" / "differential"),
        str(SHEET / "tests" / "collab"),
        *session.posargs,
        env={
            "SHEET_EVAL": str(ROOT / "target" / "ci" / "sheet-eval"),
            "SHEET_COLLAB": str(ROOT / "target" / "ci" / "sheet-collab"),
        },
    )


@nox.session
def compat(session: nox.Session) -> None:
    """A peer's own test suite run against one module: nox -s compat -- validation.

    Runs packages/<pkg>/compat/run.py (installed with the package's `compat` extra),
    which prints the pass rate relative to the peer. Too long for CI; run by hand.
    """
    runners = {
        p.name.removeprefix("ouroboros-"): p for p in PACKAGES.values() if (p.path / "compat" / "run.py").exists()
    }
    if not session.posargs or session.posargs[0].removeprefix("ouroboros-") not in runners:
        session.error("name a module with a compat/run.py: nox -s compat -- " + " | ".join(sorted(runners)))
    pkg = runners[session.posargs[0].removeprefix("ouroboros-")]
    install_packages(session, [pkg.name], extra="compat")
    # The runner fetches the peer's sdist (its tests) with pip.
    session.install("pip")
    session.run("python", str(pkg.path / "compat" / "run.py"), *session.posargs[1:])


@nox.session
def demo(session: nox.Session) -> None:
    """Build everything and serve the demo app (docs/demo) on 127.0.0.1."""
    install_packages(session, list(PACKAGES))
    # The /sheet page runs the spreadsheet engine in the browser: build it too. A machine that
    # cannot (no npm, no WebAssembly toolchain) still gets the rest of the demo, told why.
    if shutil.which("npm") is None:
        session.warn("npm not found: the demo's /sheet page answers 503 until `scripts/dev -s sheet` builds the engine")
    else:
        try:
            sheet_build(session)
        except nox.command.CommandFailed:
            session.warn(
                "the spreadsheet engine did not build (see above): the demo's /sheet page answers 503"
                " until `scripts/dev -s sheet` succeeds"
            )
        finally:
            session.chdir(ROOT)
    host = os.environ.get("OUROBOROS_DEMO_HOST", "127.0.0.1")
    port = os.environ.get("OUROBOROS_DEMO_PORT", "8000")
    session.run("python", str(ROOT / "docs" / "demo" / "app.py"), "--host", host, "--port", port, *session.posargs)


@nox.session(python=False)
def packages(session: nox.Session) -> None:
    """Print the discovered packages as JSON (used by the GitHub workflow matrix)."""
    print(
        json.dumps(
            [{"name": p.name, "backend": p.backend, "path": str(p.path.relative_to(ROOT))} for p in PACKAGES.values()]
        )
    )


if __name__ == "__main__":  # pragma: no cover - `python noxfile.py` lists sessions
    subprocess.run([sys.executable, "-m", "nox", "--list"], check=False)
