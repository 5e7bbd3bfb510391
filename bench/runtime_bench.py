"""Cold and warm figures per runtime, beside the floor they are measured against.

    .venv/bin/python bench/runtime_bench.py [OUT.md] [--cold N] [--warm N] [--repeat N]
        [--prestarted N] [--only-cold]

For each runtime (python3.13 on awslambdaric, nodejs<major>.x on our bootstrap, provided.al2023
with a bootstrap written in Python), the same trivial handler:
- cold: Init Duration p50 over N fresh environments (each in a pool of its own), started whole;
  for Python also taken from interpreters started ahead (prestart.py: an InterpreterPool of
  `--prestarted` interpreters, as the sandbox service keeps), each measured once the pool is
  full again, as on a machine whose cold starts come less often than it refills;
- the floor for Python: bubblewrap with the same namespaces and mounts starting the same
  interpreter (`-I -S`) and importing the same handler file, nothing else (no cgroup, no API);
  the issue's target is Init Duration <= 1.5x this;
- warm: the round trip of EnvironmentPool.invoke p50, and the engine's overhead p50: the round
  trip minus the time the runtime held the invocation (from the answer to /next to its /response,
  measured by the supervisor: the Runtime API exchange itself is inside it); and the CPU time
  per warm call of the supervisor (this process) and of the sandbox's processes (/proc), which
  a busy machine distorts less than wall times;
- `lambda invoke --repeat N`: the command's time per warm invocation beyond the first, from the
  REPORT lines it writes to stderr as each invocation ends (the first one's to the last one's,
  over N - 1: the command's start-up, the cold start and the teardown are left out), at 128 MB
  (the default) and at 1,769 MB (1 vCPU). At 128 MB the function's CPU share (0.072 vCPU, a CFS
  quota of 7.2 ms per 100 ms) bounds it: the sandbox's own CPU per warm call (the runtime's work
  around the handler: awslambdaric starts a thread for every /next) divided by 0.072;
- the floor of that figure: the same python runtime at 1,769 MB, in the same sandbox and
  cgroups, served by a minimal loop (answers built once, nothing parsed, no logs, no freezing).
  No supervisor does a warm call faster on the machine at hand; how much faster the runtime is
  answered matters more than the microseconds suggest (each answer the runtime waits for lets
  its CPU go idle, and waking an idle vCPU is slow on a virtual machine);
- python-lambda-local (kept in a virtual environment of its own under var/bench/, as the sandbox
  benchmark installs it) per call from its command line, a fresh process per call, the way it is
  used: the issue's target is `--repeat` at least 50x faster per call.
Prints a Markdown section; writes it to OUT.md as well when given. The figures depend on what
else the machine runs: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox_bench import measure_python_lambda_local_cli, python_lambda_local_bin

from studyapp.engine import EnvironmentPool, FunctionConfig, host_capabilities
from studyapp.engine.isolation import cpu_share, plain_sandbox_command, sandbox_python
from studyapp.engine.prestart import InterpreterPool
from studyapp.engine.runtimes import PYTHON, node_binary, node_runtime_name
from studyapp.engine.spawning import SandboxSettings
from studyapp.engine.staging import stage_function

PROJECT = Path(__file__).resolve().parents[1]
PY_HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
NODE_HANDLER = "export const handler = async () => ({ ok: true });\n"
CUSTOM_BOOTSTRAP = """#!/var/lang/bin/python3 -IS
import http.client, os
connection = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
while True:
    connection.request("GET", "/2018-06-01/runtime/invocation/next")
    answer = connection.getresponse()
    request_id = answer.getheader("Lambda-Runtime-Aws-Request-Id")
    answer.read()
    path = f"/2018-06-01/runtime/invocation/{request_id}/response"
    connection.request("POST", path, body=b'{"ok": true}')
    connection.getresponse().read()
"""


def functions() -> dict[str, FunctionConfig]:
    found = {
        PYTHON: FunctionConfig(name="bench-py", handler="app.handler", code={"app.py": PY_HANDLER})
    }
    if node_binary():
        found[node_runtime_name()] = FunctionConfig(
            name="bench-node",
            handler="index.handler",
            runtime=node_runtime_name(),
            code={"index.mjs": NODE_HANDLER},
        )
    found["provided.al2023"] = FunctionConfig(
        name="bench-custom",
        handler="none",
        runtime="provided.al2023",
        code={"bootstrap": CUSTOM_BOOTSTRAP},
    )
    return found


def _sandbox_cpu_ms(pool: EnvironmentPool) -> float:
    """CPU time (user + system) of every process of the pool's one environment, children that
    ended included, from /proc (the cpuacct controller is not always there)."""
    [slot] = pool._slots.values()  # the benchmark looks inside; nothing else should
    [environment] = slot.idle
    ticks = os.sysconf("SC_CLK_TCK")
    stack, total = [environment._process.pid], 0
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                stack.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return total * 1000 / ticks


def measure_cold(
    function: FunctionConfig, count: int, interpreters: InterpreterPool | None = None
) -> float:
    inits = []
    for _ in range(count):
        if interpreters is not None:
            assert interpreters.wait_full(30.0), "the interpreters did not start"
            taken = interpreters.stats.taken
        with EnvironmentPool(interpreters=interpreters) as pool:
            result = pool.invoke(function, {})
            assert result.status == "success", result.logs
            inits.append(result.init_duration_ms)
        if interpreters is not None:
            assert interpreters.stats.taken == taken + 1, "no pre-started interpreter was taken"
    return statistics.median(inits)


def measure_warm(function: FunctionConfig, count: int) -> dict[str, float]:
    """Wall figures p50, and CPU per call: the supervisor's (this process) and the sandbox's."""
    trips, overheads = [], []
    with EnvironmentPool() as pool:
        pool.invoke(function, {})
        sandbox_before, supervisor_before = _sandbox_cpu_ms(pool), time.process_time()
        for _ in range(count):
            started = time.perf_counter()
            result = pool.invoke(function, {})
            elapsed = (time.perf_counter() - started) * 1000
            assert result.status == "success" and not result.cold_start
            trips.append(elapsed)
            overheads.append(elapsed - (result.handler_ms or 0.0))
        supervisor_cpu = (time.process_time() - supervisor_before) * 1000 / count
        sandbox_cpu = (_sandbox_cpu_ms(pool) - sandbox_before) / count
    return {
        "trip": statistics.median(trips),
        "overhead": statistics.median(overheads),
        "supervisor_cpu": supervisor_cpu,
        "sandbox_cpu": sandbox_cpu,
    }


def measure_exchange_floor(count: int) -> float:
    """Milliseconds per call of the same python runtime (awslambdaric, 1,769 MB, the same
    sandbox and cgroups) served by the smallest loop the Runtime API allows: answers built once,
    a blocking socket, nothing parsed, no logs, no freezing. What is left is the runtime's own
    work and the four wake-ups of each exchange; no supervisor can do a warm call faster."""
    function = FunctionConfig(
        name="bench-floor", handler="app.handler", code={"app.py": PY_HANDLER}, memory_mb=1769
    )
    with EnvironmentPool(settings=SandboxSettings(freeze_idle=False)) as pool:
        pool.invoke(function, {})
        [slot] = pool._slots.values()  # the benchmark looks inside; nothing else should
        [environment] = slot.idle
        api, selector = environment._api, environment._selector
        assert api is not None and selector is not None
        give_up = time.monotonic() + 5
        while not api.waiting and time.monotonic() < give_up:  # the runtime's next /next
            for key, events in selector.select(0.1):
                api.handle(key, events)
        assert api._waiting is not None, "the runtime did not ask for its next invocation"
        sock = api._waiting.sock
        selector.unregister(sock)
        sock.setblocking(True)
        deadline_ms = int((time.time() + 3600) * 1000)
        event = b"{}"
        answer = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Lambda-Runtime-Aws-Request-Id: 00000000-0000-4000-8000-000000000000\r\n"
            f"Lambda-Runtime-Deadline-Ms: {deadline_ms}\r\n"
            "Lambda-Runtime-Invoked-Function-Arn: "
            "arn:aws:lambda:us-east-1:000000000000:function:bench-floor\r\n"
            "Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000;"
            f"Parent=0000000000000000;Sampled=0\r\nContent-Length: {len(event)}\r\n\r\n"
        ).encode() + event
        accepted = (
            b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
            b'Content-Length: 15\r\n\r\n{"status":"OK"}'
        )
        response = b'{"ok": true}'

        def one() -> None:
            sock.sendall(answer)
            data = b""
            while not (b"\r\n\r\n" in data and data.endswith(response)):
                data += sock.recv(65536)
            sock.sendall(accepted)
            data = b""
            while not data.endswith(b"\r\n\r\n"):  # the next /next
                data += sock.recv(65536)

        for _ in range(min(count, 100)):
            one()
        started = time.perf_counter()
        for _ in range(count):
            one()
        return (time.perf_counter() - started) * 1000 / count


def measure_floor(count: int) -> float:
    """bubblewrap + the interpreter + importing the handler file, nothing else."""
    host = host_capabilities()
    function = functions()[PYTHON]
    staged = stage_function(function)
    try:
        argv = [
            sandbox_python(host),
            "-I",
            "-S",
            "-c",
            "import sys; sys.path[:0] = ['/var/task']; import app",
        ]
        command = plain_sandbox_command(host, argv)
        split = len(command) - 1 - command[::-1].index("--")  # bubblewrap's own "--"
        command[split:split] = ["--ro-bind", staged.task_dir, "/var/task"]
        times = []
        for _ in range(count):
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)
    finally:
        staged.cleanup()


def measure_cli_repeat(repeat: int, memory_mb: int, runs: int = 3) -> float:
    """Milliseconds per warm invocation of `lambda invoke --repeat` beyond the first (median of
    `runs` commands), timed between the REPORT lines the command writes as invocations end."""
    with tempfile.TemporaryDirectory() as directory:
        handler = Path(directory) / "app.py"
        handler.write_text(PY_HANDLER)
        per_call = []
        for _ in range(runs):
            command = [
                *(sys.executable, "-m", "studyapp.engine", "invoke", "--handler", str(handler)),
                *("--repeat", str(repeat), "--memory", str(memory_mb)),
            ]
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PROJECT
            )
            assert process.stderr is not None
            reports = [time.perf_counter() for line in process.stderr if line.startswith(b"REPORT")]
            assert process.wait() == 0 and len(reports) == repeat, (process.returncode, reports)
            per_call.append((reports[-1] - reports[0]) * 1000 / (repeat - 1))
        return statistics.median(per_call)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", nargs="?")
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=201)
    parser.add_argument("--prestarted", type=int, default=1, help="interpreters started ahead")
    parser.add_argument(
        "--only-cold", action="store_true", help="python's cold figures and the floor alone"
    )
    args = parser.parse_args()
    started = time.time()
    load = os.getloadavg()[0]
    # Interleaved, so that the machine's load moves all three alike.
    floors, wholes, prestarted = [], [], []
    with InterpreterPool(args.prestarted) as interpreters:
        for _ in range(args.cold):
            interpreters.wait_full(30.0)  # the last one's replacement started: not measured
            floors.append(measure_floor(1))
            wholes.append(measure_cold(functions()[PYTHON], 1))
            prestarted.append(measure_cold(functions()[PYTHON], 1, interpreters))
    floor, python_cold, python_prestarted = map(statistics.median, (floors, wholes, prestarted))
    if args.only_cold:
        text = "\n".join(
            [
                f"Load average when the run started: {load:.1f}; now {os.getloadavg()[0]:.1f}.",
                f"bubblewrap floor p50: {floor:.1f} ms",
                f"python cold Init Duration p50, started whole: {python_cold:.1f} ms "
                f"({python_cold / floor:.2f}x the floor)",
                f"python cold Init Duration p50, pre-started interpreter: "
                f"{python_prestarted:.1f} ms ({python_prestarted / floor:.2f}x the floor)",
            ]
        )
        print(text)
        return 0
    rows = []
    for name, function in functions().items():
        cold = python_cold if name == PYTHON else measure_cold(function, args.cold)
        rows.append((name, cold, measure_warm(function, args.warm)))
    per_call = {memory: measure_cli_repeat(args.repeat, memory) for memory in (128, 1769)}
    exchange_floor = measure_exchange_floor(args.warm * 10)
    local_cli = None
    if (local_bin := python_lambda_local_bin()) is not None:
        with tempfile.TemporaryDirectory(prefix="runtime-bench-") as workdir:
            local_cli = measure_python_lambda_local_cli(10, Path(workdir), local_bin)
    lines = [
        "## Runtimes: cold and warm",
        "",
        f"Load average when the run started: {load:.1f} on {os.cpu_count()} cores.",
        "",
        "| runtime | cold Init Duration p50 | warm round trip p50 | engine warm overhead p50 "
        "| supervisor CPU per warm call | sandbox CPU per warm call |",
        "|---|---|---|---|---|---|",
    ]
    for name, cold, warm in rows:
        lines.append(
            f"| {name} | {cold:.1f} ms | {warm['trip']:.2f} ms "
            f"| {warm['overhead']:.2f} ms | {warm['supervisor_cpu']:.2f} ms "
            f"| {warm['sandbox_cpu']:.2f} ms |"
        )
    python_warm = rows[0][2]
    share = cpu_share(128, os.cpu_count() or 1)
    quota_bound = python_warm["sandbox_cpu"] / share
    overhead_goal = "met" if python_warm["overhead"] < 0.3 else "missed"
    repeat_goal = "met" if per_call[1769] < 0.5 else "missed"
    cold_goal = "met" if python_prestarted / floor <= 1.5 else "missed"
    if local_cli is None:
        local_rows = ["| python-lambda-local | could not be installed |"]
        local_goal = "not measured"
    else:
        speed_up = local_cli / per_call[1769]
        local_goal = "met" if speed_up >= 50 else "missed"
        local_rows = [
            "| python-lambda-local 0.1.13 per call, its command line (a fresh process per call) "
            f"p50 | {local_cli:.1f} ms |",
            f"| `lambda invoke --repeat` per warm call (1,769 MB) against it | {speed_up:.0f}x "
            "faster |",
        ]
    lines += [
        "",
        "| figure | value |",
        "|---|---|",
        f"| bubblewrap floor (same interpreter, same file imported) p50 | {floor:.1f} ms |",
        f"| python cold Init Duration / floor (wall), started whole | {python_cold / floor:.2f} |",
        f"| python cold Init Duration p50, pre-started interpreter (pool of {args.prestarted}) "
        f"| {python_prestarted:.1f} ms |",
        f"| python cold Init Duration / floor (wall), pre-started interpreter "
        f"| {python_prestarted / floor:.2f} |",
        f"| `lambda invoke --repeat {args.repeat}` per warm call, 1,769 MB (1 vCPU) "
        f"| {per_call[1769]:.2f} ms |",
        "| floor for it: the same runtime at 1,769 MB served by a minimal loop (prebuilt "
        f"answers, nothing parsed or logged) per call | {exchange_floor:.2f} ms |",
        f"| `lambda invoke --repeat {args.repeat}` per warm call, 128 MB (the default) "
        f"| {per_call[128]:.2f} ms |",
        f"| bound at 128 MB: python sandbox CPU per warm call / {share:.3f} vCPU "
        f"| {quota_bound:.2f} ms |",
        *local_rows,
        "",
        f"Goals (issue 19): python3.13 cold Init Duration from a pre-started interpreter at most "
        f"1.5x the bubblewrap floor: {cold_goal}; python3.13 engine warm overhead p50 under "
        f"0.3 ms: {overhead_goal}; "
        f"`lambda invoke --repeat` under 0.5 ms per warm call at 1 vCPU: {repeat_goal}; "
        f"and at least 50x faster per call than python-lambda-local's command line: {local_goal}. "
        "At 128 MB the CPU share Lambda gives that memory sets the pace, not the engine: the "
        "runtime's work around each invocation runs at 0.072 vCPU.",
        "",
        f"Command: `.venv/bin/python bench/runtime_bench.py --cold {args.cold} --warm "
        f"{args.warm} --repeat {args.repeat} --prestarted {args.prestarted}` "
        f"({time.time() - started:.0f} s)",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
