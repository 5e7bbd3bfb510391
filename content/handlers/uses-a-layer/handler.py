"""Use shared code from a layer: text_tools lives in /opt/python, not in this package."""

import logging

# Not in this function's folder: Lambda extracts the text-tools layer under /opt,
# and /opt/python is on sys.path, so a plain import finds it.
import text_tools

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    records = event.get("Records") if isinstance(event, dict) else None
    if not records or records[0].get("EventSource") != "aws:sns":
        raise ValueError("Expected an SNS event (try the sns template)")

    digests = []
    for record in records:
        subject = record["Sns"].get("Subject") or "untitled"
        message = record["Sns"]["Message"]
        digests.append(
            {
                "slug": text_tools.slugify(subject),
                "words": text_tools.word_count(message),
                "keywords": text_tools.top_words(message, 5),
                "preview": text_tools.truncate(message, 80),
            }
        )
        logger.info("digested %r", subject)

    return {
        "layer_module": text_tools.__file__,  # /opt/python/text_tools.py in the sandbox
        "layer_version": text_tools.__version__,
        "digests": digests,
    }
