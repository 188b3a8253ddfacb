"""The embedded default: the whole system on one machine, each part its own process.

    python -m deploy.local.launcher          (what `python3 dev.py run` calls)

Starts the Temporal dev server (SQLite under var/, UI on :8233, search attributes registered),
the four gRPC services, the worker and the gateway; waits until each answers; prints the URLs and
the demo accounts; on Ctrl-C stops them in reverse order. Data stays in var/ between runs.
The end-to-end tests start the same Stack on free ports.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from deploy.local import demo_samples
from kernel.settings import ROOT, Settings
from workflows.contracts import SEARCH_ATTRIBUTES

SERVICES = ("intake", "testing", "review", "reporting")
DEMO_USERS = (
    "requester",
    "reception",
    "analyst",
    "analyst2",
    "reviewer",
    "approver",
    "quality",
    "admin",
)
_SA_TYPES = {
    "KEYWORD": "Keyword",
    "DATETIME": "Datetime",
    "KEYWORD_LIST": "KeywordList",
    "TEXT": "Text",
    "INT": "Int",
    "FLOAT": "Double",
    "BOOL": "Bool",
}


# Below Linux's ephemeral range (32768-60999): a port the kernel hands out for binding to 0 can
# be taken as the source port of any outgoing connection before the child process binds it.
_TEST_PORTS = range(20000, 32000)


def free_port() -> int:
    """A TCP port nobody listens on right now, outside the ephemeral range (for tests)."""
    for port in random.sample(_TEST_PORTS, 200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port between 20000 and 32000")


@dataclass
class StackConfig:
    """Where the stack keeps its data and which ports it listens on."""

    var_dir: Path = ROOT / "var"
    temporal_port: int = 7233
    temporal_ui_port: int | None = 8233  # None: headless
    gateway_port: int = 8000
    service_ports: dict[str, int] = field(
        default_factory=lambda: {name: 50051 + i for i, name in enumerate(SERVICES)}
    )
    database_urls: dict[str, str] = field(default_factory=dict)  # service -> URL; default SQLite
    demo: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def on_free_ports(cls, var_dir: Path, **kwargs: object) -> "StackConfig":
        """A configuration that cannot clash with a running stack (tests, benchmarks)."""
        return cls(
            var_dir=var_dir,
            temporal_port=free_port(),
            temporal_ui_port=None,
            gateway_port=free_port(),
            service_ports={name: free_port() for name in SERVICES},
            **kwargs,  # type: ignore[arg-type]
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> "StackConfig":
        """The configuration the LIMS_* environment describes (defaults: the usual ports)."""
        return cls(
            var_dir=settings.var_dir,
            temporal_port=int(settings.temporal_address.rsplit(":", 1)[1]),
            temporal_ui_port=settings.temporal_ui_port or None,
            gateway_port=settings.gateway_port,
            service_ports={
                name: int(settings.address(name).rsplit(":", 1)[1])  # type: ignore[arg-type]
                for name in SERVICES
            },
            demo=settings.demo,
        )

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def env(self) -> dict[str, str]:
        """The environment every child process gets: one source of configuration."""
        env = dict(os.environ)
        env.update(
            {
                "LIMS_VAR_DIR": str(self.var_dir),
                "LIMS_DEMO": "true" if self.demo else "false",
                "LIMS_TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal_port}",
                "LIMS_GATEWAY_PORT": str(self.gateway_port),
                "LIMS_PUBLIC_BASE_URL": self.gateway_url,
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name, port in self.service_ports.items():
            env[f"LIMS_{name.upper()}_ADDRESS"] = f"127.0.0.1:{port}"
        for name, url in self.database_urls.items():
            env[f"LIMS_{name.upper()}_DATABASE_URL"] = url
        env.update(self.extra_env)
        return env


class StartupError(RuntimeError):
    """A part of the stack did not come up; the message says which and where its log is."""


class Stack:
    """The running processes of one stack, started in dependency order."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.logs = config.var_dir / "logs"
        self.processes: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{name}.log", "ab")  # closed in stop()
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.config.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops children in order
        )
        self.processes.append((name, process, log))
        return process

    def _temporal_argv(self) -> list[str]:
        cfg = self.config
        argv = [
            str(Path(sys.executable).parent / "temporal"),
            "server",
            "start-dev",
            "--db-filename",
            str(cfg.var_dir / "temporal.db"),
            # WAL with synchronous=normal: ~2.5x faster than the default pragmas; a crash of the
            # process loses nothing, a power cut may lose the last transactions.
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
            "--ip",
            "127.0.0.1",
            "--port",
            str(cfg.temporal_port),
            "--log-level",
            "error",
        ]
        if cfg.temporal_ui_port is None:
            argv.append("--headless")
        else:
            argv += ["--ui-port", str(cfg.temporal_ui_port), "--ui-disable-news-fetch"]
        for key in SEARCH_ATTRIBUTES:
            argv += ["--search-attribute", f"{key.name}={_SA_TYPES[key.indexed_value_type.name]}"]
        return argv

    def start(self, timeout: float = 60.0) -> None:
        """Starts everything and returns when every part answers; raises StartupError otherwise."""
        self.config.var_dir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        python = sys.executable
        self._spawn("temporal", self._temporal_argv())
        # The services do not need Temporal: start them while it boots.
        for name in SERVICES:
            self._spawn(name, [python, "-m", f"services.{name}.main"])
        self._wait_tcp("temporal", self.config.temporal_port, deadline)
        for name in SERVICES:
            self._wait_grpc_health(name, self.config.service_ports[name], deadline)
        self._spawn("worker", [python, "-m", "workflows.worker"])
        self._spawn("gateway", [python, "-m", "services.gateway.main"])
        self._wait_http("gateway", f"{self.config.gateway_url}/healthz", deadline)

    def _check_alive(self, name: str) -> None:
        for proc_name, process, _ in self.processes:
            if process.poll() is not None:
                raise StartupError(
                    f"{proc_name} exited with code {process.returncode} while waiting for {name}; "
                    f"see {self.logs / f'{proc_name}.log'}"
                )

    def _wait(self, name: str, ready: Callable[[], bool], deadline: float) -> None:
        while time.monotonic() < deadline:
            self._check_alive(name)
            if ready():
                return
            time.sleep(0.1)
        raise StartupError(f"{name} did not answer in time; see {self.logs / f'{name}.log'}")

    def _wait_tcp(self, name: str, port: int, deadline: float) -> None:
        def ready() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return True
            except OSError:
                return False

        self._wait(name, ready, deadline)

    def _wait_grpc_health(self, name: str, port: int, deadline: float) -> None:
        def ready() -> bool:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                try:
                    answer = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(service=""), timeout=0.5
                    )
                except grpc.RpcError:
                    return False
                return bool(answer.status == health_pb2.HealthCheckResponse.SERVING)

        self._wait(name, ready, deadline)

    def _wait_http(self, name: str, url: str, deadline: float) -> None:
        def ready() -> bool:
            try:
                return httpx.get(url, timeout=0.5).status_code == 200
            except httpx.HTTPError:
                return False

        self._wait(name, ready, deadline)

    def stop(self) -> None:
        """Stops the processes in reverse order of start: SIGTERM, then SIGKILL after 10 s."""
        for _, process, _ in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for _, _, log in self.processes:
            log.close()
        self.processes.clear()


@contextmanager
def running(config: StackConfig, timeout: float = 60.0) -> Iterator[Stack]:
    """The stack, started, and stopped when the block ends (also on error)."""
    stack = Stack(config)
    try:
        stack.start(timeout)
        yield stack
    finally:
        stack.stop()


def banner(config: StackConfig, seconds: float) -> str:
    """What a person needs to start using the system."""
    ui = f"http://127.0.0.1:{config.temporal_ui_port}" if config.temporal_ui_port else "(headless)"
    lines = [
        "",
        f"LIMS is running (started in {seconds:.1f} s). Ctrl-C stops everything; data stays in {config.var_dir}.",
        "",
        f"  Web / REST API   {config.gateway_url}/",
        f"  API docs         {config.gateway_url}/docs   (OpenAPI: {config.gateway_url}/openapi.json)",
        f"  Temporal UI      {ui}",
        f"  Temporal         127.0.0.1:{config.temporal_port}",
        f"  Logs             {config.var_dir / 'logs'}",
        "",
    ]
    if config.demo:
        lines.append("  Demo accounts (password: lims-demo): " + ", ".join(DEMO_USERS))
        lines.append("")
    return "\n".join(lines)


def _seed_demo_samples(config: StackConfig) -> None:
    try:
        made = demo_samples.seed(config.gateway_url)
    except Exception as error:  # a demo nicety: report it, never stop the stack for it
        print(f"demo samples not seeded: {error}", flush=True)
        return
    if made:
        print(f"demo: {made} samples driven through the lifecycle (see /dashboard)", flush=True)


def main() -> int:
    config = StackConfig.from_settings(Settings())
    stack = Stack(config)
    started = time.monotonic()
    stop = False

    def request_stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        print("starting Temporal, services, worker and gateway ...", flush=True)
        stack.start()
        print(banner(config, time.monotonic() - started), flush=True)
        if config.demo:
            # In the background: the stack is usable at once, the dashboard fills within ~30 s.
            threading.Thread(target=_seed_demo_samples, args=(config,), daemon=True).start()
        while not stop:
            for name, process, _ in stack.processes:
                if process.poll() is not None:
                    print(f"{name} stopped (code {process.returncode}); see var/logs/{name}.log")
                    stop = True
            time.sleep(0.5)
    except StartupError as error:
        print(f"could not start: {error}", file=sys.stderr)
        return 1
    finally:
        print("stopping ...", flush=True)
        stack.stop()
        print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
