"""What the host sees of sandboxes: processes found by a marker in their command line."""

from __future__ import annotations

from pathlib import Path


def host_processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def status_fields(pid: int) -> dict[str, str]:
    """/proc/<pid>/status as a mapping of field name to its (whitespace-normalised) value."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = " ".join(value.split())
    return fields
