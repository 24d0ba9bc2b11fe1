r"""A Colab-like environment, and the course run in it: ``make colab-test``.

1. A venv on Python 3.12 with Colab's versions of ipywidgets, ipykernel, IPython, traitlets,
   jupyter_client, numpy, matplotlib, scikit-learn, nbclient and nbformat and of everything
   they pull in (``tests/colab-constraints.txt``, copied from Colab's published ``pip freeze``),
   cached in ``~/.cache/sgdteach/colab-venv-<hash of that file>``.
2. The wheel of this tree, built with ``python -m build``; ``pip install --dry-run --report`` of it
   into that venv, without constraints (as the notebooks' ``%pip install`` runs on Colab), must
   install sgdteach and nothing else; then it is installed for real (not editable) and every
   package is checked again against Colab's pins.
3. Every notebook, solution and exercise runs there with nbclient, from a temporary copy, two at
   a time (:data:`JOBS`, each in its own kernel). Notebooks and solutions must not raise; an
   exercise may raise only ``NotImplementedError`` (the stubs a learner replaces).

Python 3.12 is found on PATH, then under pyenv (``$PYENV_ROOT`` or ``~/.pyenv``). Without it the
test is skipped, or fails when ``CI=true``. Only the standard library is imported at the top: the
same file runs the notebooks inside the Colab venv (``--run-in-venv``).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "tests" / "colab-constraints.txt"
PACKAGES = ["ipywidgets", "ipykernel", "ipython", "traitlets", "jupyter_client", "numpy",
            "matplotlib", "scikit-learn", "nbclient", "nbformat"]
# Installed here but absent from Colab's pip freeze, and why.
NOT_ON_COLAB = {"jedi": "required by IPython 7.34's metadata; Colab's runtime does without",
                "sgdteach": "the package under test"}
FOLDERS = {"notebooks": False, "solutions": False, "exercises": True}   # may raise NotImplemented?
KERNEL = "colab-py312"
# Notebooks run at once, each in its own kernel (CI has two cores; nothing printed depends on it).
JOBS = min(2, os.cpu_count() or 1)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """``{normalised name: version}`` of the constraints file."""
    found = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            found[_normal(name)] = version.strip()
    return found


def find_python312() -> str | None:
    """A Python 3.12 interpreter: ``python3.12`` on PATH, else the newest pyenv 3.12.x."""
    candidates = [shutil.which("python3.12")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(str(pyenv / "versions" / "3.12.*" / "bin" / "python3.12")),
                         key=lambda p: [int(x) for x in re.findall(r"\d+", Path(p).parts[-3])],
                         reverse=True)
    for candidate in filter(None, candidates):
        out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip() == "(3, 12)":
            return candidate
    return None


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).splitlines()[-30:])
        raise SystemExit(f"colab-test: `{' '.join(map(str, cmd))}` failed "
                         f"(exit {out.returncode}):\n{tail}")
    return out


def venv_path(python: str) -> Path:
    """The cached venv for this constraints file and this interpreter."""
    key = hashlib.sha256(CONSTRAINTS.read_bytes() + " ".join(PACKAGES).encode()
                         + os.path.realpath(python).encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "sgdteach" / f"colab-venv-{key}"


def ensure_venv(python: str) -> tuple[Path, bool]:
    """The Colab venv (built when missing or half-built) and whether it was reused."""
    venv = venv_path(python)
    vpy = str(venv / "bin" / "python")
    if (venv / ".complete").exists():
        subprocess.run([vpy, "-m", "pip", "uninstall", "--quiet", "--yes", "sgdteach"],
                       capture_output=True)   # left by the last run; absent is fine
        return venv, True
    shutil.rmtree(venv, ignore_errors=True)
    _run([python, "-m", "venv", str(venv)])
    _run([vpy, "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS), "pip"])
    _run([vpy, "-m", "pip", "install", "--quiet", "-c", str(CONSTRAINTS), *PACKAGES])
    (venv / ".complete").write_text(CONSTRAINTS.read_text())
    return venv, False


def installed(venv: Path) -> dict[str, str]:
    out = _run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format=json"])
    return {_normal(p["name"]): p["version"] for p in json.loads(out.stdout)}


def check_pins(venv: Path) -> list[str]:
    """Problems: a package not at Colab's version, or installed here but not on Colab."""
    wanted, have = pins(), installed(venv)
    problems = [f"{name} {have.get(name)} (Colab: {version})" for name, version in wanted.items()
                if have.get(name) != version]
    problems += [f"{name} {version} is not in Colab's list" for name, version in have.items()
                 if name not in wanted and name not in NOT_ON_COLAB]
    return problems


def build_wheel(out: Path) -> Path:
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)])
    return next(out.glob("sgdteach-*.whl"))


def dry_run(venv: Path, wheel: Path, folder: Path) -> list[tuple[str, str]]:
    """``(name, version)`` of what installing ``wheel`` without constraints would install."""
    report = folder / "report.json"
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--dry-run",
          "--report", str(report), str(wheel)])
    items = json.loads(report.read_text())["install"]
    return [(_normal(i["metadata"]["name"]), i["metadata"]["version"]) for i in items]


def _run_notebook(job: tuple[str, str, bool]) -> tuple[str, bool]:
    """Inside the Colab venv: run one notebook; return its report line and whether it failed."""
    import nbformat

    from sgdteach.tools.nbexec import notebook_client

    kind, name, stubs_allowed = job
    path = Path(name)
    start = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    client = notebook_client(nb, path.parent, timeout=600, kernel=KERNEL)
    client.allow_errors = stubs_allowed
    failed = False
    try:
        client.execute()
        errors = [o.ename for c in nb.cells if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"]
        bad = [e for e in errors if e not in ("NotImplementedError", "NotAttemptedError")]
        note = f"ok, {len(errors)} NotImplementedError (stubs)" if stubs_allowed else "ok"
        if bad:
            failed = True
            note = f"FAILED: {', '.join(bad)}"
    except Exception as exc:   # a raising cell: report every notebook, then fail
        failed = True
        note = f"FAILED: {type(exc).__name__}: {str(exc).strip().splitlines()[-1:]}"
    return (f"  {kind}/{path.name:<45} {time.perf_counter() - start:6.1f} s  {note}", failed)


def run_in_venv(folder: str) -> int:
    """Inside the Colab venv: run every notebook copied to ``folder``, :data:`JOBS` at a time
    (each in its own kernel); print one line each, in order."""
    from concurrent.futures import ProcessPoolExecutor

    import sgdteach

    print(f"  sgdteach {sgdteach.__version__} from {Path(sgdteach.__file__).parent}")
    jobs = [(kind, str(path), stubs_allowed) for kind, stubs_allowed in FOLDERS.items()
            for path in sorted(Path(folder, kind).glob("*.ipynb"))]
    failed = 0
    with ProcessPoolExecutor(max_workers=JOBS) as pool:
        for line, bad in pool.map(_run_notebook, jobs):
            failed += bad
            print(line, flush=True)
    return 1 if failed else 0


def _kernelspec(venv: Path, folder: Path) -> dict[str, str]:
    """Environment variables that make the kernel ``KERNEL`` the venv's Python (and only it)."""
    spec = folder / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"], "display_name": "Colab-like Python 3.12",
        "language": "python"}))
    # PYDEVD_...: silences debugpy's "frozen modules" warning, printed by every kernel start.
    return {**os.environ, "JUPYTER_PATH": str(folder / "jupyter"),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def main() -> int:
    start = time.perf_counter()
    python = find_python312()
    if python is None:
        message = ("colab-test: no Python 3.12 (looked for python3.12 on PATH and in pyenv's "
                   "versions/3.12.*); install one, e.g. `pyenv install 3.12`.")
        if os.environ.get("CI") == "true":
            print(message + " CI=true: failing.", file=sys.stderr)
            return 1
        print(message + " Skipped.")
        return 0
    print(f"colab-test: Python {python}; pins from {CONSTRAINTS.relative_to(ROOT)}")
    venv, reused = ensure_venv(python)
    print(f"  venv {venv} ({'cached' if reused else 'built'}, {time.perf_counter() - start:.0f} s)")
    problems = check_pins(venv)
    with tempfile.TemporaryDirectory(prefix="sgdteach-colab-") as tmp:
        folder = Path(tmp)
        wheel = build_wheel(folder / "dist")
        would = dry_run(venv, wheel, folder)
        print(f"  pip install --dry-run --report {wheel.name}: would install "
              f"{', '.join(f'{n}=={v}' for n, v in would)}")
        if [name for name, _ in would] != ["sgdteach"]:
            problems.append(f"installing sgdteach would also install or change "
                            f"{[x for x in would if x[0] != 'sgdteach']}")
        _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
        problems += [p for p in check_pins(venv) if p not in problems]
        have = installed(venv)
        print(f"  {len(have)} packages, each at Colab's version except "
              f"{', '.join(f'{n} {have.get(n)}' for n in NOT_ON_COLAB)}; ipywidgets "
              f"{have['ipywidgets']}, ipykernel {have['ipykernel']}, IPython {have['ipython']}")
        for kind in FOLDERS:
            shutil.copytree(ROOT / kind, folder / kind)
        print("  running the notebooks (nbclient, a temporary copy):", flush=True)
        ran = subprocess.run([str(venv / "bin" / "python"), __file__, "--run-in-venv",
                              str(folder)], env=_kernelspec(venv, folder), cwd=folder)
        if ran.returncode != 0:
            problems.append("a notebook failed (above)")
    for problem in problems:
        print(f"  PROBLEM: {problem}", file=sys.stderr)
    verdict = "FAILED" if problems else "OK"
    print(f"colab-test {verdict} in {time.perf_counter() - start:.0f} s "
          f"({'warm' if reused else 'cold'}: venv {'cached' if reused else 'built'})")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run-in-venv"]:
        sys.exit(run_in_venv(sys.argv[2]))
    sys.exit(main())
