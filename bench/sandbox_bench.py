"""Benchmark of the Lambda sandbox engine against python-lambda-local, in one run.

    .venv/bin/python bench/sandbox_bench.py [OUT.md] [--warm N]

Measures, for the same trivial handler:
- warm invocation overhead: the round trip of EnvironmentPool.invoke minus the time the runtime
  held the invocation, from the answer to its /next to its /response, as the supervisor measures
  it (thaw, the Runtime API's side of the exchange, cgroup reads, log assembly; the runtime's own
  work around the handler is inside the held time);
- a cold start (new sandbox, bubblewrap + cgroup + interpreter + INIT);
- python-lambda-local per call, through its command line (a new process per call, the way it is
  used) and through its Python API (a new multiprocessing process per call). It is installed
  (pinned, with the setuptools whose pkg_resources it imports) into a virtual environment of its
  own under var/bench/, made on the first run and kept, so it never touches the project's;
- the CPU share memory buys: the same CPU-bound job (about 0.25 s of CPU) at 128 MB and at
  1,769 MB, wall time, CPU time over wall time inside the handler, and the cgroup's throttling
  (expected: 0.072 vCPU vs 1 vCPU, a wall-time ratio near 14 on an otherwise idle host).
Prints a Markdown section; writes it to OUT.md as well when given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studyapp.engine import EnvironmentPool, FunctionConfig, host_capabilities

HANDLER = "def handler(event, context):\n    return {'ok': True, 'echo': event}\n"
EVENT = {"key": "value"}
PROJECT = Path(__file__).resolve().parents[1]
PYTHON_LAMBDA_LOCAL = ("python-lambda-local==0.1.13", "setuptools<81")
PYTHON_LAMBDA_LOCAL_VENV = PROJECT / "var" / "bench" / "python-lambda-local-0.1.13"
# Its Python API timed in its own interpreter: `call` runs the handler in a new
# multiprocessing process per call, as the package does.
PYTHON_LAMBDA_LOCAL_API = """
import json, logging, statistics, sys, time, warnings
warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
from lambda_local.context import Context
from lambda_local.main import call
sys.path.insert(0, ".")
import app
logging.disable(logging.CRITICAL)  # it logs every call through the root logger
count = int(sys.argv[1])
timings = []
for _ in range(count):
    started = time.perf_counter()
    result = call(app.handler, {"key": "value"}, Context(3))
    timings.append((time.perf_counter() - started) * 1000)
    assert result[0] == {"ok": True, "echo": {"key": "value"}}, result
print(json.dumps(statistics.median(timings)))
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure_warm(count: int) -> dict[str, float]:
    function = FunctionConfig(name="bench-warm", handler="app.handler", code={"app.py": HANDLER})
    round_trips: list[float] = []
    overheads: list[float] = []
    with EnvironmentPool() as pool:
        pool.invoke(function, EVENT)  # the cold start
        for _ in range(count):
            started = time.perf_counter()
            result = pool.invoke(function, EVENT)
            elapsed = (time.perf_counter() - started) * 1000
            assert result.status == "success" and not result.cold_start, result.payload
            round_trips.append(elapsed)
            overheads.append(elapsed - (result.handler_ms or 0.0))
    return {
        "round_trip_p50": percentile(round_trips, 0.50),
        "round_trip_p99": percentile(round_trips, 0.99),
        "overhead_p50": percentile(overheads, 0.50),
        "overhead_p99": percentile(overheads, 0.99),
    }


def measure_cold(count: int) -> dict[str, float]:
    function = FunctionConfig(name="bench-cold", handler="app.handler", code={"app.py": HANDLER})
    round_trips: list[float] = []
    inits: list[float] = []
    for _ in range(count):
        with EnvironmentPool() as pool:
            started = time.perf_counter()
            result = pool.invoke(function, EVENT)
            round_trips.append((time.perf_counter() - started) * 1000)
            assert result.cold_start and result.init_duration_ms is not None
            inits.append(result.init_duration_ms)
    return {"round_trip_p50": statistics.median(round_trips), "init_p50": statistics.median(inits)}


CPU_BOUND = """
import time
def handler(event, context):
    wall, cpu = time.perf_counter(), time.process_time()
    total = 0
    for i in range(event["n"]):
        total += i * i
    return {"wall_ms": (time.perf_counter() - wall) * 1000,
            "cpu_ms": (time.process_time() - cpu) * 1000}
"""


def measure_cpu_share(work: int = 6_000_000) -> dict[int, dict[str, float]]:
    """Wall time, CPU share and throttling of one CPU-bound job at 128 MB and 1,769 MB."""
    figures: dict[int, dict[str, float]] = {}
    with EnvironmentPool() as pool:
        for memory_mb in (128, 1769):
            function = FunctionConfig(
                name=f"bench-cpu-{memory_mb}",
                handler="app.handler",
                code={"app.py": CPU_BOUND},
                memory_mb=memory_mb,
                timeout_s=120,
            )
            pool.invoke(function, {"n": 1})  # the cold start, apart
            result = pool.invoke(function, {"n": work})
            assert result.status == "success", result.payload
            [environment] = [
                env for env in pool.environments() if env["function_name"] == function.name
            ]
            cpu = environment["cpu"] or {}
            figures[memory_mb] = {
                "wall_ms": result.payload["wall_ms"],
                "share": result.payload["cpu_ms"] / result.payload["wall_ms"],
                "throttled_ms": (cpu.get("throttled_us") or 0) / 1000,
                "quota_us": cpu.get("quota_us") or 0,
            }
    return figures


def python_lambda_local_bin() -> Path | None:
    """The bin/ folder of the kept virtual environment with python-lambda-local; None (with the
    reason on stderr) when it cannot be installed."""
    bin_dir = PYTHON_LAMBDA_LOCAL_VENV / "bin"
    if (bin_dir / "python-lambda-local").exists():
        return bin_dir
    try:
        venv.create(PYTHON_LAMBDA_LOCAL_VENV, with_pip=True, clear=True)
        subprocess.run(
            [bin_dir / "python", "-m", "pip", "install", "--quiet", *PYTHON_LAMBDA_LOCAL],
            check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", None) or error
        print(f"python-lambda-local could not be installed: {detail}", file=sys.stderr)
        return None
    return bin_dir


def measure_python_lambda_local_cli(count: int, workdir: Path, bin_dir: Path) -> float | None:
    """Median per call of its command line (a new interpreter per call, the way it is used)."""
    (workdir / "app.py").write_text(HANDLER)
    (workdir / "event.json").write_text(json.dumps(EVENT))
    command = [bin_dir / "python-lambda-local", "-f", "handler", "-t", "3", "app.py", "event.json"]
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
        timings.append((time.perf_counter() - started) * 1000)
        if done.returncode != 0 or "'echo': {'key': 'value'}" not in done.stdout:
            print(f"python-lambda-local failed: {done.stderr[-2000:]}", file=sys.stderr)
            return None
    return statistics.median(timings)


def measure_python_lambda_local_api(count: int, workdir: Path, bin_dir: Path) -> float | None:
    """Median per call of its Python API, in its own interpreter."""
    (workdir / "app.py").write_text(HANDLER)
    done = subprocess.run(
        [bin_dir / "python", "-c", PYTHON_LAMBDA_LOCAL_API, str(count)],
        cwd=workdir, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )  # fmt: skip
    if done.returncode != 0:
        print(f"python-lambda-local's API failed: {done.stderr[-2000:]}", file=sys.stderr)
        return None
    return float(done.stdout.strip().splitlines()[-1])


def render(
    warm: dict[str, float],
    cold: dict[str, float],
    cli: float | None,
    api: float | None,
    count: int,
    cpu: dict[int, dict[str, float]],
) -> str:
    host = host_capabilities()
    isolation = (
        "full (bubblewrap + cgroups)" if host.full else "partial: " + "; ".join(host.missing)
    )
    lines = [
        "## Sandbox engine benchmark",
        "",
        f"Python {sys.version.split()[0]}, isolation {isolation}, {host.cpu_count} CPU cores; "
        f"{count} warm invocations of a trivial handler at 128 MB.",
        "",
        "| measurement | value |",
        "|---|---|",
        "| warm round trip p50 / p99 | "
        f"{warm['round_trip_p50']:.3f} ms / {warm['round_trip_p99']:.3f} ms |",
        "| warm overhead (round trip - handler) p50 / p99 | "
        f"{warm['overhead_p50']:.3f} ms / {warm['overhead_p99']:.3f} ms |",
        f"| cold start round trip (median) | {cold['round_trip_p50']:.1f} ms |",
        f"| cold start Init Duration (median) | {cold['init_p50']:.1f} ms |",
    ]
    for label, value in (("command line", cli), ("Python API", api)):
        if value is None:
            lines.append(f"| python-lambda-local, {label} | could not run |")
        else:
            ratio = value / warm["round_trip_p50"]
            lines.append(f"| python-lambda-local per call, {label} (median) | {value:.1f} ms |")
            lines.append(
                f"| warm sandbox speed-up over python-lambda-local ({label}) | {ratio:.0f}x |"
            )
    goal_overhead = "met" if warm["overhead_p50"] < 0.3 else "missed"
    goal_ratio = {
        label: "met" if value is not None and value / warm["round_trip_p50"] >= 50 else "missed"
        for label, value in (("command line", cli), ("Python API", api))
    }
    for memory_mb, figures in cpu.items():
        lines.append(
            f"| CPU-bound job at {memory_mb} MB: wall / CPU share / throttled "
            f"(quota {figures['quota_us']:.0f} us per 100 ms) | {figures['wall_ms']:.0f} ms / "
            f"{figures['share']:.3f} vCPU / {figures['throttled_ms']:.0f} ms |"
        )
    if cpu:
        ratio = cpu[128]["wall_ms"] / cpu[1769]["wall_ms"]
        lines.append(f"| wall-time ratio 128 MB / 1,769 MB (1769 / 128 = 13.8) | {ratio:.1f} |")
    lines += [
        "",
        f"Goals (issue 19): p50 overhead under 0.3 ms: {goal_overhead}; at least 50x faster "
        f"per call than python-lambda-local: against its command line {goal_ratio['command line']}"
        f", against its Python API {goal_ratio['Python API']}.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", help="also write the Markdown section to this file")
    parser.add_argument("--warm", type=int, default=300, help="warm invocations (default 300)")
    args = parser.parse_args()
    warm = measure_warm(args.warm)
    cold = measure_cold(5)
    cli = api = None
    bin_dir = python_lambda_local_bin()
    if bin_dir is not None:
        with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as workdir:
            cli = measure_python_lambda_local_cli(10, Path(workdir), bin_dir)
            api = measure_python_lambda_local_api(10, Path(workdir), bin_dir)
    cpu = measure_cpu_share()
    section = render(warm, cold, cli, api, args.warm, cpu)
    print(section)
    if args.out:
        Path(args.out).write_text(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
