"""Run every benchmark in bench/ and write bench/RESULTS.md (what `make bench` does).

    .venv/bin/python bench/run_all.py                 # every benchmark
    .venv/bin/python bench/run_all.py capacity_bench  # only these; the others' sections stay
    .venv/bin/python bench/run_all.py --assemble      # only rewrite RESULTS.md

Each benchmark is a script named ``*_bench.py`` that prints one Markdown section (a ``##``
heading, what it measured, a table of figures with the goal and whether it is met) to stdout.
The benchmarks that use a database measure SQLite and, when PostgreSQL answers at
127.0.0.1:5432, PostgreSQL too, side by side (each in a fresh database it drops afterwards).
This runner adds when each section was measured, the load average then, and the command; it
keeps each section in bench/results/<name>.md, so a section not re-run keeps its last figures
(and says when they were measured), and assembles RESULTS.md from them, each followed by
bench/results/<name>.notes.md when there is one (notes written by hand, never overwritten).
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
SECTIONS = BENCH_DIR / "results"
TIMEOUT_S = 1800
sys.path.insert(0, str(BENCH_DIR))

from databases import postgres_admin, postgres_answers  # noqa: E402


def machine_description() -> list[str]:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    import django

    postgres = "PostgreSQL: did not answer at 127.0.0.1:5432 (SQLite only)"
    if postgres_answers():
        version = postgres_admin("show server_version").split()[0]
        postgres = f"PostgreSQL {version} at 127.0.0.1:5432"
    return [
        f"- Machine: {os.cpu_count()} cores ({cpu}), {memory_gib:.0f} GiB memory, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, Django {django.get_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {postgres}",
    ]


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def run_benchmark(script: Path) -> tuple[str, float]:
    started = time.monotonic()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = load_average()
    command = [sys.executable, str(script.relative_to(ROOT))]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    elapsed = time.monotonic() - started
    shown = " ".join([".venv/bin/python", *command[1:]])
    measured = (
        f"_Measured {when} by `make bench`; load average (1 / 5 / 15 min) {load_before} at the "
        f"start and {load_average()} at the end, on {os.cpu_count()} cores._"
    )
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        section = (
            f"## {script.stem}\n\n{measured}\n\nFAILED (exit {completed.returncode}) running "
            f"`{shown}`:\n\n```\n{tail}\n```\n"
        )
    else:
        heading, _, body = completed.stdout.strip().partition("\n")
        # A bench that names its own command (with the options it chose) is not named twice.
        command_line = "" if "\nCommand: `" in body else f"\n\nCommand: `{shown}` ({elapsed:.0f} s)"
        section = f"{heading}\n\n{measured}\n{body}{command_line}\n"
    return section, elapsed


def main() -> int:
    scripts = sorted(BENCH_DIR.glob("*_bench.py"))
    assemble_only = sys.argv[1:] == ["--assemble"]  # rewrite RESULTS.md, run nothing
    only = set() if assemble_only else set(sys.argv[1:])
    unknown = only - {script.stem for script in scripts}
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
    SECTIONS.mkdir(exist_ok=True)
    for script in scripts:
        if assemble_only or (only and script.stem not in only):
            continue
        print(f"running {script.name} ...", flush=True)
        section, elapsed = run_benchmark(script)
        print(f"  done in {elapsed:.0f} s", flush=True)
        (SECTIONS / f"{script.stem}.md").write_text(section)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = [
        "# Benchmark results",
        "",
        f"Assembled by `make bench` (`.venv/bin/python bench/run_all.py`) on {now}; each "
        "section says when it was measured and the load average then. Speed goals live here, "
        "never in timed tests. The benchmarks that use a database measure SQLite and, when "
        "PostgreSQL answers, PostgreSQL side by side (capacity, search); the dashboard, review "
        "and closed-loop load benchmarks measure SQLite only.",
        "",
        *machine_description(),
        "",
    ]
    sections = []
    for script in scripts:
        for name in (f"{script.stem}.md", f"{script.stem}.notes.md"):  # notes: by hand, kept
            if (SECTIONS / name).exists():
                sections.append((SECTIONS / name).read_text().strip())
    RESULTS.write_text("\n".join(header) + "\n" + "\n\n\n".join(sections) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
