"""Configuration from environment variables, with defaults and validation."""

import logging
import os
import re

logger = logging.getLogger()
logger.setLevel(logging.INFO)

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Variables Lambda sets for every function (there are more, e.g. credentials).
LAMBDA_VARS = (
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "LAMBDA_TASK_ROOT",
    "_HANDLER",
    "TZ",
)
SECRET_HINTS = ("SECRET", "TOKEN", "PASSWORD", "KEY")


def load_config(env):
    """Read and check our own settings; fail with one clear message listing every problem."""
    problems = []
    table = env.get("TABLE_NAME", "orders-dev")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", table):
        problems.append(f"TABLE_NAME {table!r} is not a valid DynamoDB table name")
    level = env.get("LOG_LEVEL", "INFO").upper()
    if level not in LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, got {level!r}")
    flag = env.get("FEATURE_FLAG", "false").lower()
    if flag not in ("true", "false", "1", "0", "yes", "no"):
        problems.append(f"FEATURE_FLAG must be true or false, got {flag!r}")
    if problems:
        raise ValueError("Bad configuration: " + "; ".join(problems))
    return {"table_name": table, "log_level": level, "feature_flag": flag in ("true", "1", "yes")}


def handler(event, context):
    config = load_config(os.environ)
    logger.setLevel(config["log_level"])
    logger.debug("only visible with LOG_LEVEL=DEBUG")

    lambda_vars = {name: os.environ.get(name) for name in LAMBDA_VARS}
    # Never log or return secrets: Lambda puts the role's temporary credentials
    # (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) in the environment.
    hidden = sorted(n for n in os.environ if any(h in n for h in SECRET_HINTS))
    logger.info("config %s", config)
    return {
        "config": config,
        "lambda_environment": lambda_vars,
        "memory_from_context": context.memory_limit_in_mb,
        "hidden_variables": hidden,
        "new_checkout_enabled": config["feature_flag"],
    }
