"""Process each message once, even when the same event is delivered twice."""

import json
import logging
import os
import sqlite3
import time

logger = logging.getLogger()
logger.setLevel(logging.INFO)

DB_PATH = os.environ.get("IDEMPOTENCY_DB", "/tmp/idempotency.sqlite3")

# Opened at INIT and kept while the environment is warm; the file itself lives in
# /tmp, which survives between warm invocations of the same environment.
db = sqlite3.connect(DB_PATH)
db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL, result TEXT)")


def send_email(subject):
    return {"sent": True, "subject": subject}  # a side effect we must not repeat


def handler(event, context):
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or records[0].get("EventSource") != "aws:sns":
        raise ValueError("Expected an SNS event (try the sns template)")

    results = []
    for record in records:
        key = record["Sns"]["MessageId"]  # the idempotency key: same on every retry
        row = db.execute("SELECT result FROM seen WHERE key = ?", (key,)).fetchone()
        if row:
            logger.info("duplicate %s: returning the stored result", key)
            results.append({"key": key, "status": "duplicate", "result": json.loads(row[0])})
            continue
        result = send_email(record["Sns"].get("Subject") or "(no subject)")
        with db:  # commit: the key and the result are stored together
            db.execute("INSERT INTO seen VALUES (?, ?, ?)", (key, time.time(), json.dumps(result)))
        logger.info("processed %s", key)
        results.append({"key": key, "status": "processed", "result": result})

    stored = db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]
    return {"results": results, "keys_in_store": stored, "store": DB_PATH}
