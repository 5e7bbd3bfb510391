"""The sandbox's one AWS account: its id, its region, and the ARNs named after them.

Every learner's functions and queues appear under this account and region, as they would under
a single AWS account, so the Lambda and SQS APIs, the engine's context object and the destination
records all agree on the ARNs. Everything that names an ARN builds it here.
"""

from __future__ import annotations

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def function_arn(name: str, *, qualifier: str | None = None, region: str = REGION) -> str:
    """``arn:aws:lambda:<region>:<account>:function:<name>`` (with ``:<qualifier>`` if given)."""
    arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def sqs_queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def layer_arn(name: str, version: int) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:{version}"


def role_arn(function_name: str) -> str:
    """The execution role Lambda's console would create for the function."""
    return f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/{function_name}-role"


def runtime_arn(version: str) -> str:
    return f"arn:aws:lambda:{REGION}::runtime:{version}"
