"""A simulation of how AWS decides: the execution role versus the resource-based policy.

Nothing here calls AWS (the sandbox has no network and no IAM); it applies the evaluation rules
to the policies and requests in the event, and says which rule decided each request.
"""

import fnmatch
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def matches(statement, request):
    actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    resources = statement.get("Resource", "*")
    resources = resources if isinstance(resources, list) else [resources]
    principal = statement.get("Principal")  # only resource-based policies name a principal
    if principal is not None and principal not in (request["principal"], request.get("service")):
        return False
    source = statement.get("SourceArn")  # the aws:SourceArn condition of a service permission
    if source is not None and source != request.get("source_arn"):
        return False
    return any(fnmatch.fnmatch(request["action"], a) for a in actions) and any(
        fnmatch.fnmatch(request["resource"], r) for r in resources
    )


def decide(request, identity_policy, resource_policy):
    identity = [s for s in identity_policy if matches(s, request)]
    resource = [s for s in resource_policy if matches(s, request)]
    if any(s["Effect"] == "Deny" for s in identity + resource):
        return "Deny", "an explicit Deny matches: it always wins"
    allowed_by_identity = any(s["Effect"] == "Allow" for s in identity)
    allowed_by_resource = any(s["Effect"] == "Allow" for s in resource)
    if request["cross_account"]:
        if allowed_by_identity and allowed_by_resource:
            return "Allow", "cross-account: both the caller's policy and the resource policy allow"
        return "Deny", "cross-account: needs an Allow on BOTH sides (caller and resource policy)"
    if allowed_by_identity or allowed_by_resource:
        side = "identity (execution role)" if allowed_by_identity else "resource-based"
        return "Allow", f"same account: the {side} policy allows"
    return "Deny", "implicit deny: no statement allows it"


def handler(event, context):
    if not isinstance(event, dict) or not isinstance(event.get("requests"), list):
        raise ValueError("Expected {\"execution_role\", \"resource_policy\", \"requests\"} (try the iam-access-requests template)")
    decisions = {}
    for request in event["requests"]:
        # The execution role only matters for what the FUNCTION calls; who may INVOKE the
        # function is the caller's own policy plus the function's resource-based policy.
        identity = event["execution_role"] if request["principal"] == "execution-role" else request.get("caller_policy", [])
        effect, reason = decide(request, identity, event["resource_policy"])
        logger.info("%s: %s (%s)", request["name"], effect, reason)
        decisions[request["name"]] = {"decision": effect, "why": reason}
    return {"decisions": decisions}
