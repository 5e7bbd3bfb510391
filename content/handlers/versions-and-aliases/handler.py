"""Which version answered? Versions are immutable snapshots; an alias points at one or two."""

import logging
import os

logger = logging.getLogger()
logger.setLevel(logging.INFO)

RELEASE = os.environ.get("RELEASE", "blue")  # change it between two published versions


def handler(event, context):
    # function_version is "$LATEST" or the published version's number ("1", "2", ...);
    # invoked_function_arn ends with the qualifier the caller used (":live" for an alias).
    version = context.function_version
    logger.info("release %s answered as version %s", RELEASE, version)
    return {
        "release": RELEASE,
        "version": version,
        "invoked_function_arn": context.invoked_function_arn,
    }
