#!/usr/bin/env python3
"""The project's commands. Needs only Python 3.11+: it builds .venv/ on first use.

python3 dev.py run        start the whole system (Temporal, services, worker, gateway)
python3 dev.py test       check generated code, lint, and run every test
python3 dev.py bench      run the benchmarks (bench campaign: the campaign import;
                          bench breakdown: CPU per lifecycle, process by process)
python3 dev.py protos     regenerate gen/ from protos/ (--check to compare only)
python3 dev.py audit-verify   check the audit chains in the databases (exit 1 if one is broken)
python3 dev.py import-campaign FILE --reference ...   import a campaign spreadsheet (--help)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _requirements(dev: bool) -> Path:
    # The .lock files pin every package, transitive ones included, with their hashes.
    return ROOT / "requirements" / ("dev.lock" if dev else "runtime.lock")


def _fingerprint(dev: bool) -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "requirements").glob("*.lock")):
        digest.update(path.read_bytes())
    digest.update(b"dev" if dev else b"runtime")
    return digest.hexdigest()


def ensure_venv(dev: bool) -> None:
    """Creates .venv and installs the pinned requirements, once per change of them."""
    stamp = VENV / ".lims-requirements"
    wanted = _fingerprint(dev)
    if stamp.exists() and stamp.read_text() in (wanted, _fingerprint(True)):
        return
    if not PYTHON.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(f"installing {_requirements(dev).relative_to(ROOT)} into .venv ...", flush=True)
    subprocess.run(
        [
            *(str(PYTHON), "-m", "pip", "install", "--quiet", "--require-hashes"),
            *("-r", str(_requirements(dev))),
        ],
        check=True,
    )
    # Put the repository and the generated protobuf package on the venv's path, so
    # `import services.intake` and `import lims.intake.v1` work from any directory.
    site = subprocess.run(
        [str(PYTHON), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "lims-project.pth").write_text(f"{ROOT}\n{ROOT / 'gen'}\n")
    stamp.write_text(wanted)


def in_venv(*args: str) -> int:
    """Runs `python args...` inside .venv from the repository root."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.call([str(PYTHON), *args], cwd=ROOT, env=env)


def cmd_run(args: list[str]) -> int:
    ensure_venv(dev=False)
    return in_venv("-m", "deploy.local.launcher", *args)


def cmd_test(args: list[str]) -> int:
    ensure_venv(dev=True)
    for step in (
        ["scripts/gen_protos.py", "--check"],
        ["-m", "ruff", "check", "."],
        ["-m", "ruff", "format", "--check", "."],
        ["-m", "mypy"],
    ):
        if in_venv(*step) != 0:
            return 1
    return in_venv("-m", "pytest", *args)


def cmd_bench(args: list[str]) -> int:
    ensure_venv(dev=True)
    if args[:1] == ["campaign"]:  # the campaign import: 1,000 rows under 60 s
        return in_venv("-m", "bench.campaign", *args[1:])
    if args[:1] == ["breakdown"]:  # CPU per lifecycle, process by process
        return in_venv("-m", "bench.breakdown", *args[1:])
    return in_venv("-m", "bench", *args)


def cmd_protos(args: list[str]) -> int:
    ensure_venv(dev=True)
    return in_venv("scripts/gen_protos.py", *args)


def cmd_audit_verify(args: list[str]) -> int:
    ensure_venv(dev=False)
    return in_venv("-m", "kernel.audit_verify", *args)


def cmd_import_campaign(args: list[str]) -> int:
    ensure_venv(dev=False)
    return in_venv("-m", "services.gateway.campaign_cli", *args)


def cmd_lock(args: list[str]) -> int:
    ensure_venv(dev=True)
    if in_venv("-m", "pip", "install", "--quiet", "pip-tools") != 0:
        return 1
    for name, extra in (("runtime", []), ("dev", ["--constraint", "requirements/runtime.lock"])):
        code = in_venv(
            *("-m", "piptools", "compile", "--quiet", "--generate-hashes", "--allow-unsafe"),
            *("--no-emit-index-url", "--no-emit-find-links", "--strip-extras", *extra),
            *("--output-file", f"requirements/{name}.lock", f"requirements/{name}.txt", *args),
        )
        if code != 0:
            return code
    return 0


COMMANDS = {
    "run": cmd_run,
    "test": cmd_test,
    "bench": cmd_bench,
    "protos": cmd_protos,
    "audit-verify": cmd_audit_verify,
    "import-campaign": cmd_import_campaign,
    "lock": cmd_lock,
}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    if sys.version_info < (3, 11):  # noqa: UP036 (this file runs under whatever python3 is)
        sys.exit("Python 3.11 or newer is needed")
    sys.exit(main())
