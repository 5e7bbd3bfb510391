"""The telemetry log pipe (`_LAMBDA_TELEMETRY_LOG_FD`) that Lambda's runtime clients write to.

Each log record is one frame, big-endian: a 4-byte type (0xa55a0003 for text, 0xa55a00XX for
JSON records by level), a 4-byte length, an 8-byte timestamp in microseconds, then the message.
A multi-line record (a traceback) stays one record, as in CloudWatch. The supervisor turns the
frames back into log text; a frame it cannot parse ends the parsing and the rest is kept as it
came (the function owns the pipe and can write anything to it).
"""

from __future__ import annotations

FRAME_HEADER_BYTES = 16
FRAME_MAGIC = b"\xa5\x5a"
MAX_FRAME_BYTES = 1024 * 1024


class TelemetryFrames:
    """Turns the pipe's bytes into log text, frame by frame."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._raw = False  # the stream stopped being frames: pass it on as it is

    def feed(self, data: bytes) -> bytes:
        """The log text of the complete frames so far."""
        if self._raw:
            return data
        self._buffer += data
        out = bytearray()
        while len(self._buffer) >= FRAME_HEADER_BYTES:
            header = self._buffer[:FRAME_HEADER_BYTES]
            length = int.from_bytes(header[4:8], "big")
            if header[:2] != FRAME_MAGIC or length > MAX_FRAME_BYTES:
                self._raw = True
                out += self._buffer
                self._buffer.clear()
                break
            if len(self._buffer) < FRAME_HEADER_BYTES + length:
                break
            message = bytes(self._buffer[FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + length])
            del self._buffer[: FRAME_HEADER_BYTES + length]
            out += message if message.endswith(b"\n") else message + b"\n"
        return bytes(out)

    def rest(self) -> bytes:
        """What is left when the pipe closes (an incomplete frame), as it came."""
        rest, self._buffer = bytes(self._buffer), bytearray()
        return rest
