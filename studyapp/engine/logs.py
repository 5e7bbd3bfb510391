"""The platform's log lines (INIT_START, START, END, REPORT and their JSON twins) and the
per-invocation log collector with its size cap.

Text format, exactly as Lambda writes it (fields of REPORT separated by tabs, a trailing tab):

    INIT_START Runtime Version: python:3.13.v0\tRuntime Version ARN: arn:aws:lambda:...
    START RequestId: <id> Version: $LATEST
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\t
    Max Memory Used: 36 MB\tInit Duration: 110.10 ms\t          (one line)

With the JSON log format the platform writes `platform.initStart`, `platform.start` and
`platform.report` records instead.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_LOG_CAP_BYTES = 1024 * 1024
_VERSION = sys.version_info
RUNTIME_VERSION = f"python:{_VERSION.major}.{_VERSION.minor}.v{_VERSION.micro}"


def runtime_version_arn(region: str, runtime_name: str | None = None) -> str:
    version = sys.version_info
    name = runtime_name or f"python{version.major}.{version.minor}"
    return f"arn:aws:lambda:{region}::runtime:studyapp-sandbox-{name.replace('.', '')}"


def iso_timestamp(epoch_s: float) -> str:
    """2025-11-27T18:00:00.123Z"""
    moment = datetime.fromtimestamp(epoch_s, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class ReportMetrics:
    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None
    status: str  # success | error | timeout | oom
    error_type: str | None = None


def init_start_line(
    *,
    region: str,
    log_format: str,
    function_name: str,
    now: float,
    initialization_type: str = "on-demand",
    runtime_version: str = RUNTIME_VERSION,
    runtime_name: str | None = None,
    function_version: str = "$LATEST",
) -> str:
    arn = runtime_version_arn(region, runtime_name)
    if log_format == "JSON":
        return _platform_record(
            "platform.initStart",
            {
                "initializationType": initialization_type,
                "phase": "init",
                "runtimeVersion": runtime_version,
                "runtimeVersionArn": arn,
                "functionName": function_name,
                "functionVersion": function_version,
            },
            now,
        )
    return f"INIT_START Runtime Version: {runtime_version}\tRuntime Version ARN: {arn}\n"


def start_line(request_id: str, *, log_format: str, now: float, version: str = "$LATEST") -> str:
    if log_format == "JSON":
        return _platform_record(
            "platform.start", {"requestId": request_id, "version": version}, now
        )
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str, *, log_format: str) -> str:
    if log_format == "JSON":
        return ""  # the JSON format has no END line; platform.report closes the invocation
    return f"END RequestId: {request_id}\n"


def report_line(metrics: ReportMetrics, *, log_format: str, now: float) -> str:
    if log_format == "JSON":
        numbers: dict[str, float | int] = {
            "durationMs": metrics.duration_ms,
            "billedDurationMs": metrics.billed_duration_ms,
            "memorySizeMB": metrics.memory_size_mb,
            "maxMemoryUsedMB": metrics.max_memory_used_mb,
        }
        if metrics.init_duration_ms is not None:
            numbers["initDurationMs"] = metrics.init_duration_ms
        record: dict[str, object] = {
            "requestId": metrics.request_id,
            "metrics": numbers,
            "status": "error" if metrics.status == "oom" else metrics.status,
        }
        if metrics.error_type:
            record["errorType"] = metrics.error_type
        return _platform_record("platform.report", record, now)
    line = (
        f"REPORT RequestId: {metrics.request_id}\t"
        f"Duration: {metrics.duration_ms:.2f} ms\t"
        f"Billed Duration: {metrics.billed_duration_ms} ms\t"
        f"Memory Size: {metrics.memory_size_mb} MB\t"
        f"Max Memory Used: {metrics.max_memory_used_mb} MB\t"
    )
    if metrics.init_duration_ms is not None:
        line += f"Init Duration: {metrics.init_duration_ms:.2f} ms\t"
    if metrics.status == "timeout":
        line += "Status: timeout\t"
    elif metrics.status == "oom":
        line += "Status: error\tError Type: Runtime.OutOfMemory\t"
    return line + "\n"


def timeout_line(request_id: str, timeout_s: float, *, log_format: str, now: float) -> str:
    message = f"Task timed out after {timeout_s:.2f} seconds"
    if log_format == "JSON":
        return _app_record("ERROR", message, request_id, now)
    return f"{iso_timestamp(now)} {request_id} {message}\n"


def runtime_exit_line(request_id: str, message: str, *, log_format: str, now: float) -> str:
    if log_format == "JSON":
        return _app_record("ERROR", message, request_id, now, errorType="Runtime.ExitError")
    return f"RequestId: {request_id} Error: {message}\nRuntime.ExitError\n"


def _platform_record(kind: str, record: dict[str, object], now: float) -> str:
    return json.dumps({"time": iso_timestamp(now), "type": kind, "record": record}) + "\n"


def _app_record(level: str, message: str, request_id: str, now: float, **extra: str) -> str:
    record = {
        "timestamp": iso_timestamp(now),
        "level": level,
        "message": message,
        "logger": "root",
        "requestId": request_id,
        **extra,
    }
    return json.dumps(record) + "\n"


class LogCollector:
    """One invocation's log: platform lines always kept, function output capped.

    Output past the cap is read (so the function never blocks on a full pipe) and dropped; a
    single visible marker line says how much was dropped.
    """

    def __init__(self, cap_bytes: int = DEFAULT_LOG_CAP_BYTES) -> None:
        self.cap_bytes = cap_bytes
        self._parts: list[bytes] = []
        self._output_bytes = 0
        self._dropped_bytes = 0
        self._marker_index: int | None = None
        self._line_open = False  # the last bytes kept do not end their line

    @property
    def dropped_bytes(self) -> int:
        return self._dropped_bytes

    def add_output(self, data: bytes) -> None:
        room = self.cap_bytes - self._output_bytes
        if room > 0:
            kept = data[:room]
            if kept:
                self._parts.append(kept)
                self._output_bytes += len(kept)
                self._line_open = not kept.endswith(b"\n")
            data = data[room:]
        if data:
            if self._marker_index is None:
                self._marker_index = len(self._parts)
                self._parts.append(b"")
            self._dropped_bytes += len(data)

    def add_platform(self, line: str) -> None:
        if line:
            if self._line_open:  # the function's output ends mid-line: the platform's starts anew
                self._parts.append(b"\n")
            self._parts.append(line.encode())
            self._line_open = not line.endswith("\n")

    def text(self) -> str:
        parts = list(self._parts)
        if self._marker_index is not None:
            parts[self._marker_index] = (
                f"\n[sandbox] log output truncated: {self._dropped_bytes} more bytes dropped "
                f"(cap {self.cap_bytes} bytes per invocation)\n"
            ).encode()
        return b"".join(parts).decode("utf-8", errors="replace")
