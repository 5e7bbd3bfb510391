"""React to S3 uploads: read the event, decode the key, decide what to do."""

import logging
import posixpath
from urllib.parse import unquote_plus

logger = logging.getLogger()
logger.setLevel(logging.INFO)

KINDS = {
    ".jpg": "image",
    ".jpeg": "image",
    ".png": "image",
    ".gif": "image",
    ".csv": "data",
    ".json": "data",
    ".parquet": "data",
    ".pdf": "document",
    ".txt": "document",
}


def handler(event, context):
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or records[0].get("eventSource") != "aws:s3":
        raise ValueError("Expected an S3 event notification (try the s3-put template)")

    results = []
    for record in records:
        bucket = record["s3"]["bucket"]["name"]
        # Keys arrive URL-encoded: spaces become "+", "(" becomes "%28" ...
        key = unquote_plus(record["s3"]["object"]["key"])
        size = record["s3"]["object"].get("size", 0)  # absent on delete events

        stem, ext = posixpath.splitext(posixpath.basename(key))
        kind = KINDS.get(ext.lower(), "other")

        result = {
            "bucket": bucket,
            "key": key,
            "size_kb": round(size / 1024, 1),
            "kind": kind,
            "event": record["eventName"],
        }
        if kind == "image":
            # Write thumbnails to ANOTHER prefix (or bucket): writing back under the
            # trigger's prefix would fire this function again, forever.
            result["thumbnail_key"] = f"thumbnails/{stem}-256.jpg"
        logger.info("s3://%s/%s is %s (%s bytes)", bucket, key, kind, size)
        results.append(result)

    return {"processed": len(results), "objects": results}
