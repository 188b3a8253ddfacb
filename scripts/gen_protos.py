"""Regenerates the Python protobuf/gRPC package in gen/ from protos/; --check compares instead."""

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
GEN = ROOT / "gen"


def generate(out: Path) -> None:
    """Runs protoc (from grpcio-tools) with the mypy stub plugins into `out`."""
    sources = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTOS}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            f"--plugin=protoc-gen-mypy={bin_dir / 'protoc-gen-mypy'}",
            f"--plugin=protoc-gen-mypy_grpc={bin_dir / 'protoc-gen-mypy_grpc'}",
            f"--mypy_out={out}",
            f"--mypy_grpc_out={out}",
            *sources,
        ],
        check=True,
        cwd=PROTOS,
        stderr=subprocess.PIPE,  # the mypy plugins narrate every file they write
    )


def differences(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two trees (missing on either side included)."""
    files_a = {
        p.relative_to(a) for p in a.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    files_b = {
        p.relative_to(b) for p in b.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    changed = [str(p) for p in files_a & files_b if not filecmp.cmp(a / p, b / p, shallow=False)]
    return sorted(changed + [str(p) for p in files_a ^ files_b])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if gen/ is out of date")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        if args.check:
            stale = differences(Path(tmp), GEN)
            if stale:
                print(
                    "gen/ does not match protos/; run `python3 dev.py protos`:", *stale, sep="\n  "
                )
                return 1
            print("gen/ matches protos/")
            return 0
        shutil.rmtree(GEN, ignore_errors=True)
        shutil.copytree(tmp, GEN)
    print(f"generated {GEN.relative_to(ROOT)}/ from protos/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
