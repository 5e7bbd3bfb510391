"""Structured logs: with LOG_FORMAT=json every record is one JSON object on one line.

That is what a log shipper on a multi-machine deployment wants; the plain format stays the
default for a person reading a terminal.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    """Format a record as {"time", "level", "logger", "message", ...extra fields}."""

    RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            {key: value for key, value in vars(record).items() if key not in self.RESERVED}
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class OneLineClientErrors(logging.Filter):
    """A 403 or 404 is the client's mistake, not the server's: log its one line, no traceback.

    Django logs PermissionDenied with the exception attached, so every ordinary "not yours" page
    wrote a 14-line traceback; 5xx records keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (403, 404):
            record.exc_info = None
            record.exc_text = None
        return True
