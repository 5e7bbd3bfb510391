"""Lambda's own API over the sandbox: what boto3 and the AWS CLI call with ``--endpoint-url``.

Every request is signed with one of the learner's access keys (AWS Signature Version 4); a key
reaches its owner's functions and the shipped samples, nothing else (another learner's function
is "not found", as on AWS). A sample's code and settings are read-only; the learner's own
concurrency, asynchronous-invocation and dead-letter settings for a sample are theirs to change.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from studyapp.accounts.sandbox_access import NO_SANDBOX_ACCESS, sandbox_access_allowed
from studyapp.accounts.sigv4 import SignatureError
from studyapp.core.errors import DomainError
from studyapp.engine.account import ACCOUNT_ID, REGION, function_arn
from studyapp.engine.config import (
    MAX_EPHEMERAL_MB,
    MAX_MEMORY_MB,
    MAX_REQUEST_BYTES,
    MAX_TIMEOUT_S,
    MIN_EPHEMERAL_MB,
    MIN_MEMORY_MB,
    MIN_TIMEOUT_S,
    ConfigError,
    check_environment,
)
from studyapp.sandbox import async_invoke, concurrency, deploying, invoking, versions
from studyapp.sandbox.api.auth import BodyTooLarge, api_body_read, api_user_authenticate
from studyapp.sandbox.api.errors import (
    S3_EXPIRED,
    S3_NO_SUCH_KEY,
    S3_SIGNATURE_MISMATCH,
    FunctionNotFound,
    LambdaApiError,
    error_response,
    event_invoke_config_missing,
    function_missing,
    lambda_error_for,
    not_found,
    s3_error_response,
    s3_time,
)
from studyapp.sandbox.api.serializers import (
    alias_configuration,
    code_sha256,
    event_invoke_config,
    function_configuration,
    provisioned_config,
)
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.functions import function_update
from studyapp.sandbox.models import Function, runtime_names
from studyapp.sandbox.selectors import function_by_name

LOG_TAIL_BYTES = 4096
MAX_LIST_ITEMS = 50  # what ListFunctions returns at most in one response, whatever MaxItems asks
MAX_ITEMS_RANGE = (1, 10000)  # what its MaxItems accepts
BODY_READ_MARGIN = 64 * 1024
HANDLER = re.compile(r"^[^\s]{1,128}$")
FUNCTION_REFERENCE = re.compile(
    r"^(?:arn:aws:lambda:(?P<region>[a-z0-9-]+):)?(?:(?P<account>\d{12}):)?(?:function:)?"
    r"(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>[A-Za-z0-9$_-]+))?$"
)

View = Callable[..., HttpResponse]


def lambda_api(view: View) -> View:
    """Authenticate with SigV4, answer every failure in Lambda's error shape."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            limit, operation = getattr(view, "body_limit", (MAX_REQUEST_BYTES, "Invoke"))
            try:
                body = api_body_read(request, limit=limit + BODY_READ_MARGIN)
            except BodyTooLarge:
                raise _too_large(limit, operation) from None
            user = api_user_authenticate(request, body=body, now=timezone.now())
            return view(request, user, *args, **kwargs)
        except SignatureError as error:
            return error_response(LambdaApiError(error.error_type, str(error)))
        except LambdaApiError as error:
            return error_response(error)
        except DomainError as error:
            return error_response(lambda_error_for(error))

    return csrf_exempt(login_not_required(wrapper))


def access_denied(*, user, action: str, reference: str) -> LambdaApiError:
    """Lambda's answer to a caller whose account may not do ``action`` (403), naming the
    caller and the resource as IAM does; here: an account not verified for the sandbox."""
    match = FUNCTION_REFERENCE.match(reference)
    resource = function_arn(match.group("name")) if match else reference
    return LambdaApiError(
        "AccessDeniedException",
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/{user.get_username()} is not authorized to "
        f"perform: lambda:{action} on resource: {resource} because no identity-based policy "
        f"allows the lambda:{action} action. {NO_SANDBOX_ACCESS}",
    )


def _too_large(limit: int, operation: str) -> LambdaApiError:
    return LambdaApiError(
        "RequestTooLargeException" if operation == "Invoke" else "RequestEntityTooLargeException",
        f"Request must be smaller than {limit} bytes for the {operation} operation",
    )


def _method_not_allowed(request: HttpRequest) -> LambdaApiError:
    return LambdaApiError(
        "InvalidParameterValueException", f"{request.method} is not supported on this resource."
    )


def function_resolve(*, user, reference: str, qualifier: str | None = None) -> Function:
    """The learner's own function of that name, else the shipped sample (404 otherwise)."""
    match = FUNCTION_REFERENCE.match(reference)
    if match is None:
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{reference}' at 'functionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern",
        )
    name = match.group("name")
    region = match.group("region")
    if region is not None and region != REGION:
        raise LambdaApiError(
            "ResourceNotFoundException",
            f"Functions from '{region}' are not reachable in this region ('{REGION}')",
        )
    derived = match.group("qualifier")
    if derived and qualifier and derived != qualifier:
        raise LambdaApiError(
            "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified qualifier.",
        )
    qualifier = qualifier or derived
    if match.group("account") not in (None, ACCOUNT_ID):
        raise not_found(name, qualifier=qualifier)
    function = function_by_name(user=user, name=name)
    if function is None:
        raise not_found(name, qualifier=qualifier)
    if qualifier not in (None, versions.LATEST):
        try:
            versions.version_at(function=function, qualifier=qualifier)
        except (versions.VersionMissing, versions.AliasMissing):
            raise not_found(name, qualifier=qualifier) from None
    return function


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if not request.api_body:
        return {}
    try:
        body = json.loads(request.api_body)
    except ValueError as error:
        raise LambdaApiError(
            "InvalidRequestContentException", f"Could not parse request body into json: {error}"
        ) from None
    if not isinstance(body, dict):
        raise LambdaApiError("InvalidRequestContentException", "The request body must be an object")
    return body


def _configuration(function: Function, user, **shape: Any) -> dict[str, Any]:
    config = concurrency.invoke_config_for(user=user, function=function)
    return function_configuration(function, invoke_config=config, **shape)


def _qualifier_named(request: HttpRequest, reference: str) -> str | None:
    """The qualifier the caller named (``Qualifier`` or the ARN's own), for the answer's ARN."""
    match = FUNCTION_REFERENCE.match(reference)
    return request.GET.get("Qualifier") or (match.group("qualifier") if match else None)


# -- functions ----------------------------------------------------------------------------------


def body_limit(limit: int, operation: str) -> Callable[[View], View]:
    """Let an operation's request body be larger than Invoke's 6 MB (a zip package)."""

    def mark(view: View) -> View:
        view.body_limit = (limit, operation)  # type: ignore[attr-defined]
        return view

    return mark


@lambda_api
@body_limit(deploying.MAX_REQUEST_BYTES, "CreateFunction")
def functions_list(request: HttpRequest, user) -> HttpResponse:
    """ListFunctions (GET): the learner's functions, then the samples they have not shadowed;
    CreateFunction (POST)."""
    if request.method == "POST":
        return _function_create(request, user)
    if request.method != "GET":
        raise _method_not_allowed(request)
    own = list(Function.objects.active().owned_by(user).order_by("name"))
    names = {function.name for function in own}
    samples = [
        f for f in Function.objects.active().samples().order_by("name") if f.name not in names
    ]
    functions = own + samples
    start, size = _list_page(request)
    page = functions[start : start + size]
    body: dict[str, Any] = {"Functions": [_configuration(f, user, listing=True) for f in page]}
    if start + size < len(functions):
        body["NextMarker"] = str(start + size)
    return JsonResponse(body)


def _list_page(request: HttpRequest) -> tuple[int, int]:
    """Where a ListFunctions page starts and how many functions it holds. Marker is a page's
    NextMarker (an offset: past the end, as after deletions, the page is empty); MaxItems asks
    for 1 to 10,000, and a response holds at most 50."""
    size = MAX_LIST_ITEMS
    if (asked := request.GET.get("MaxItems")) is not None:
        if not re.fullmatch(r"-?[0-9]{1,19}", asked):
            raise LambdaApiError(
                "InvalidParameterValueException",
                f"1 validation error detected: Value '{asked}' at 'maxItems' failed to satisfy "
                "constraint: Member must be an integer",
            )
        low, high = MAX_ITEMS_RANGE
        if not low <= int(asked) <= high:
            constraint = (
                f"greater than or equal to {low}"
                if int(asked) < low
                else f"less than or equal to {high}"
            )
            raise LambdaApiError(
                "InvalidParameterValueException",
                f"1 validation error detected: Value '{asked}' at 'maxItems' failed to satisfy "
                f"constraint: Member must have value {constraint}",
            )
        size = min(int(asked), MAX_LIST_ITEMS)
    marker = request.GET.get("Marker") or "0"
    if not re.fullmatch(r"[0-9]{1,19}", marker):
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"Invalid Marker '{marker}': pass the NextMarker of the page before",
        )
    return int(marker), size


@lambda_api
def function_get(request: HttpRequest, user, name: str) -> HttpResponse:
    """GetFunction (GET) and DeleteFunction (DELETE)."""
    if request.method not in ("GET", "DELETE"):
        raise _method_not_allowed(request)
    function = function_resolve(user=user, reference=name, qualifier=request.GET.get("Qualifier"))
    if request.method == "DELETE":
        _refuse_sample(function)
        qualifier = _qualifier_named(request, name)
        if qualifier is None:
            deploying.function_delete(function=function, user=user)
            return HttpResponse(status=204)
        at, version = versions.version_at(function=function, qualifier=qualifier)
        _version_delete(function, qualifier)
        concurrency.qualifier_settings_delete(
            user=user, function=function, qualifier=qualifier, at=at, version=version
        )
        return HttpResponse(status=204)
    config = concurrency.invoke_config_for(user=user, function=function)
    qualifier = _qualifier_named(request, name)
    at, version = versions.version_at(function=function, qualifier=qualifier)
    body: dict[str, Any] = {
        "Configuration": function_configuration(
            at, invoke_config=config, qualifier=qualifier, version=version
        ),
        "Code": {
            "RepositoryType": "S3",
            "Location": code_location(request, at, version),
        },
    }
    if config.reserved_concurrency is not None:
        body["Concurrency"] = {"ReservedConcurrentExecutions": config.reserved_concurrency}
    return JsonResponse(body)


@lambda_api
def function_configuration_view(request: HttpRequest, user, name: str) -> HttpResponse:
    """GetFunctionConfiguration (GET) and UpdateFunctionConfiguration (PUT)."""
    function = function_resolve(user=user, reference=name, qualifier=request.GET.get("Qualifier"))
    if request.method == "GET":
        qualifier = _qualifier_named(request, name)
        at, version = versions.version_at(function=function, qualifier=qualifier)
        return JsonResponse(_configuration(at, user, qualifier=qualifier, version=version))
    if request.method != "PUT":
        raise _method_not_allowed(request)
    _refuse_published(request, name)
    body = _json_body(request)
    if "DeadLetterConfig" in body:
        target = (body.pop("DeadLetterConfig") or {}).get("TargetArn", "")
        try:
            async_invoke.dead_letter_put(user=user, function=function, target_arn=target)
        except async_invoke.DestinationError as error:
            raise LambdaApiError("InvalidParameterValueException", str(error)) from None
    changes = {key: value for key, value in body.items() if key != "RevisionId"}
    if changes:
        _refuse_sample(function)
        function_update(function=function, user=user, settings=_settings_from(function, changes))
        function.refresh_from_db()
    return JsonResponse(_configuration(function, user, updating=True))


def _version_delete(function: Function, qualifier: str) -> None:
    """DeleteFunction with a Qualifier: one published version goes, the function stays."""
    if qualifier == versions.LATEST:
        raise LambdaApiError(
            "InvalidParameterValueException",
            "$LATEST version cannot be deleted without deleting the function.",
        )
    if not versions.is_version_number(qualifier):
        raise LambdaApiError(
            "InvalidParameterValueException",
            "Deletion of aliases is not currently supported.",
        )
    try:
        versions.version_delete(function=function, qualifier=qualifier)
    except versions.VersionInUse as in_use:
        raise LambdaApiError(
            "ResourceConflictException",
            "Unable to delete version because the following aliases reference it: "
            f"[{', '.join(in_use.aliases)}]",
        ) from None


def _refuse_published(request: HttpRequest, reference: str) -> None:
    """Published versions are immutable and an alias is only a name: updates go to $LATEST."""
    if _qualifier_named(request, reference) not in (None, versions.LATEST):
        raise LambdaApiError(
            "InvalidParameterValueException",
            "Published versions cannot be changed: update $LATEST (the function's name or "
            "unqualified ARN), then publish a new version.",
        )


def _refuse_sample(function: Function) -> None:
    if function.is_sample:
        raise LambdaApiError(
            "AccessDeniedException",
            f"The sample {function.name} is read-only: copy it in the sandbox to change its "
            "code or settings (concurrency, event invoke and dead-letter settings are yours "
            "to change).",
        )


# -- deploying code -----------------------------------------------------------------------------


def _package(value: Any) -> dict[str, str]:
    """The files of a base64 ``ZipFile`` (how boto3 and the AWS CLI send ``fileb://``)."""
    if not isinstance(value, str) or not value:
        raise LambdaApiError(
            "InvalidParameterValueException",
            "The sandbox deploys a zip file given as ZipFile (S3 and container images are not "
            "available here).",
        )
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError:
        raise LambdaApiError("InvalidParameterValueException", deploying.UNZIP_FAILED) from None
    try:
        return deploying.package_unpack(data=data)
    except deploying.CodePackageError as error:
        raise LambdaApiError("InvalidParameterValueException", str(error)) from None


def _function_create(request: HttpRequest, user) -> HttpResponse:
    body = _json_body(request)
    name = body.get("FunctionName")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,48}", name):
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ "
            "(the sandbox's names are at most 48 characters)",
        )
    if body.get("PackageType", "Zip") != "Zip":
        raise LambdaApiError(
            "InvalidParameterValueException", "The sandbox deploys Zip packages only."
        )
    runtime, handler = body.get("Runtime"), body.get("Handler")
    if not runtime or not handler:
        raise LambdaApiError(
            "InvalidParameterValueException",
            "Runtime and Handler are mandatory parameters for functions created with "
            "deployment packages.",
        )
    _check_runtime(runtime)
    _check_handler(handler)
    code = _package((body.get("Code") or {}).get("ZipFile"))
    defaults = FunctionSettings.defaults()
    changes = {
        k: body[k]
        for k in ("MemorySize", "Timeout", "Environment", "EphemeralStorage", "LoggingConfig")
        if k in body
    }
    settings = _settings_from_values(defaults, changes)
    new = deploying.NewFunction(
        name=name,
        handler=handler,
        description=str(body.get("Description") or "")[:256],
        memory_mb=settings.memory_mb,
        timeout_s=settings.timeout_s,
        ephemeral_storage_mb=settings.ephemeral_storage_mb,
        environment=settings.environment,
        log_format=settings.log_format,
    )
    try:
        with transaction.atomic():
            function = deploying.function_create(user=user, new=new, code=code)
            runtime_settings = replace(FunctionSettings.of(function), runtime=runtime)
            function_update(function=function, user=user, settings=runtime_settings)
    except deploying.FunctionExists:
        raise LambdaApiError(
            "ResourceConflictException", f"Function already exist: {name}"
        ) from None
    shape = _configuration(function, user, creating=True)
    return JsonResponse(shape, status=201)


def _check_runtime(runtime: Any) -> None:
    """AWS's answer for a runtime outside its enum, listing the runtimes the sandbox runs (AWS
    lists all of its own, then adds "or be a valid ARN": the sandbox takes no runtime ARNs)."""
    if runtime not in runtime_names():
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy "
            f"enum value set: [{', '.join(runtime_names())}]",
        )


def _check_handler(handler: Any) -> None:
    if not isinstance(handler, str) or not HANDLER.match(handler):
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{handler}' at 'handler' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [^\\s]+",
        )


@lambda_api
@body_limit(deploying.MAX_REQUEST_BYTES, "UpdateFunctionCode")
def function_code(request: HttpRequest, user, name: str) -> HttpResponse:
    """UpdateFunctionCode: a new zip package replaces the function's files."""
    if request.method != "PUT":
        raise _method_not_allowed(request)
    function = function_resolve(user=user, reference=name)
    _refuse_published(request, name)
    _refuse_sample(function)
    body = _json_body(request)
    code = _package(body.get("ZipFile"))
    if not body.get("DryRun"):
        deploying.function_code_replace(function=function, user=user, code=code)
        function.refresh_from_db()
    return JsonResponse(_configuration(function, user, updating=True))


def code_location(request: HttpRequest, function: Function, version: str = "$LATEST") -> str:
    """A signed link to the code (of $LATEST or a version) as a zip, valid for ten minutes."""
    token = deploying.code_link_sign(
        function_id=function.pk,
        version=version,
        code_sha256=code_sha256(function),
        now=timezone.now(),
    )
    return request.build_absolute_uri(reverse("lambda_api_code", args=[token]))


@csrf_exempt
@login_not_required
def function_code_download(request: HttpRequest, token: str) -> HttpResponse:
    """The zip behind Code.Location: the link is the permission, as a presigned S3 URL is, and
    it is refused as S3 refuses one (expired, signature changed, nothing there any more)."""
    now = timezone.now()
    try:
        link = deploying.code_link_read(token=token, now=now)
    except deploying.CodeLinkExpired as expired:
        lifetime = int(deploying.CODE_LINK_LIFETIME.total_seconds())
        return s3_error_response(
            status=403,
            code="AccessDenied",
            message=S3_EXPIRED,
            details={
                "X-Amz-Expires": str(lifetime),
                "Expires": s3_time(expired.expires_at),
                "ServerTime": s3_time(now),
            },
        )
    except deploying.CodeLinkInvalid:
        return s3_error_response(
            status=403, code="SignatureDoesNotMatch", message=S3_SIGNATURE_MISMATCH
        )
    function = Function.objects.filter(pk=link.function_id).first()
    if function is not None and link.version != versions.LATEST:
        version = function.versions.filter(number=int(link.version)).first()
        function = versions.function_at(function=function, version=version) if version else None
    if function is None or code_sha256(function) != link.code_sha256:
        return s3_error_response(status=404, code="NoSuchKey", message=S3_NO_SUCH_KEY)
    response = HttpResponse(
        deploying.package_build(code=function.code), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{function.name}.zip"'
    return response


def _settings_from(function: Function, changes: dict[str, Any]) -> FunctionSettings:
    supported = {
        "Runtime",
        "Handler",
        "MemorySize",
        "Timeout",
        "Environment",
        "EphemeralStorage",
        "LoggingConfig",
    }
    unsupported = sorted(set(changes) - supported)
    if unsupported:
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"The sandbox cannot change {', '.join(unsupported)}; it changes Runtime, Handler, "
            "MemorySize, Timeout, Environment, EphemeralStorage and LoggingConfig.",
        )
    settings = _settings_from_values(FunctionSettings.of(function), changes)
    if "Runtime" in changes:
        _check_runtime(changes["Runtime"])
    if "Handler" in changes:
        _check_handler(changes["Handler"])
    return replace(
        settings,
        runtime=changes.get("Runtime", function.runtime),
        handler=changes.get("Handler", function.handler),
    )


def _settings_from_values(current: FunctionSettings, changes: dict[str, Any]) -> FunctionSettings:
    memory = changes.get("MemorySize", current.memory_mb)
    timeout = changes.get("Timeout", current.timeout_s)
    storage = (changes.get("EphemeralStorage") or {}).get("Size", current.ephemeral_storage_mb)
    log_format = (changes.get("LoggingConfig") or {}).get("LogFormat", current.log_format)
    environment = current.environment
    if "Environment" in changes:
        environment = (changes["Environment"] or {}).get("Variables") or {}
    _check_range("memorySize", memory, MIN_MEMORY_MB, MAX_MEMORY_MB)
    _check_range("timeout", timeout, MIN_TIMEOUT_S, MAX_TIMEOUT_S)
    _check_range("ephemeralStorage.size", storage, MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB)
    if log_format not in ("Text", "JSON"):
        raise LambdaApiError("InvalidParameterValueException", "LogFormat must be Text or JSON")
    if not isinstance(environment, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in environment.items()
    ):
        raise LambdaApiError(
            "InvalidParameterValueException", "Environment variables must be strings"
        )
    try:
        check_environment(environment)
    except ConfigError as error:
        raise LambdaApiError("InvalidParameterValueException", str(error)) from None
    return FunctionSettings(
        memory_mb=memory,
        timeout_s=timeout,
        ephemeral_storage_mb=storage,
        environment=environment,
        log_format=log_format,
    )


def _check_range(field: str, value: Any, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must have value between {low} and {high}",
        )


# -- invoking -----------------------------------------------------------------------------------


@lambda_api
def function_invoke(request: HttpRequest, user, name: str) -> HttpResponse:
    """Invoke: RequestResponse (200), Event (202) or DryRun (204)."""
    if request.method != "POST":
        raise _method_not_allowed(request)
    if not sandbox_access_allowed(user):
        raise access_denied(user=user, action="InvokeFunction", reference=name)
    function = function_resolve(user=user, reference=name, qualifier=request.GET.get("Qualifier"))
    invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
    if invocation_type not in ("RequestResponse", "Event", "DryRun"):
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{invocation_type}' at 'invocationType' "
            "failed to satisfy constraint: Member must satisfy enum value set: "
            "[Event, RequestResponse, DryRun]",
        )
    payload = request.api_body or b"{}"
    limit = (
        async_invoke.MAX_ASYNC_PAYLOAD_BYTES if invocation_type == "Event" else MAX_REQUEST_BYTES
    )
    if len(payload) > limit:
        raise _too_large(limit, "Invoke" if invocation_type != "Event" else "InvokeAsync")
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise LambdaApiError(
            "InvalidRequestContentException", f"Could not parse request body into json: {error}"
        ) from None
    if invocation_type == "DryRun":
        return _invoke_response(b"", status=204)
    if invocation_type == "Event":
        request_id = str(uuid.uuid4())
        async_invoke.async_event_accept(
            user=user,
            function=function,
            payload=event,
            request_id=request_id,
            qualifier=_qualifier_named(request, name) or "",
        )
        response = _invoke_response(b"", status=202)
        response["x-amzn-RequestId"] = request_id
        return response
    client_context = _client_context(request.headers.get("X-Amz-Client-Context"))
    try:
        result, executed_version = invoking.qualified_call(
            user=user,
            function=function,
            qualifier=_qualifier_named(request, name),
            event=event,
            client_context=client_context,
        )
    except invoking.InvocationFailed as failure:
        error_type = "ServiceException" if failure.unavailable else "InvalidParameterValueException"
        raise LambdaApiError(error_type, failure.message) from None
    if result.get("status") == "throttled":
        raise LambdaApiError(
            "TooManyRequestsException",
            "Rate Exceeded.",
            Reason=(result.get("payload") or {}).get("Reason", concurrency.ACCOUNT_LIMIT_REASON),
        )
    if result.get("error_type") == "RequestTooLargeException":
        raise _too_large(MAX_REQUEST_BYTES, "Invoke")
    response = _invoke_response(json.dumps(result.get("payload")).encode(), status=200)
    response["X-Amz-Executed-Version"] = executed_version
    if result.get("function_error"):
        response["X-Amz-Function-Error"] = result["function_error"]
    if request.headers.get("X-Amz-Log-Type") == "Tail":
        tail = invocation_log_tail(result.get("logs") or "")
        response["X-Amz-Log-Result"] = base64.b64encode(tail).decode()
    if result.get("request_id"):
        response["x-amzn-RequestId"] = result["request_id"]
    return response


def invocation_log_tail(logs: str) -> bytes:
    """Invoke's LogResult: the last 4 KB of the invocation's own log, which starts at START.

    The INIT phase's platform line (``INIT_START``, or the JSON format's ``platform.initStart``
    record) is logged to the environment's stream but is not part of an invocation's tail.
    """
    lines = [
        line
        for line in logs.splitlines(keepends=True)
        if not line.startswith("INIT_START") and '"platform.initStart"' not in line
    ]
    return "".join(lines).encode()[-LOG_TAIL_BYTES:]


def _invoke_response(body: bytes, *, status: int) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="application/json")
    response["X-Amz-Executed-Version"] = "$LATEST"
    return response


def _client_context(header: str | None) -> dict[str, Any] | None:
    if not header:
        return None
    try:
        value = json.loads(base64.b64decode(header))
    except ValueError:
        raise LambdaApiError(
            "InvalidRequestContentException", "Client context must be base64-encoded JSON"
        ) from None
    return value if isinstance(value, dict) else None


# -- concurrency --------------------------------------------------------------------------------


@lambda_api
def function_concurrency(request: HttpRequest, user, name: str) -> HttpResponse:
    """PutFunctionConcurrency (PUT), DeleteFunctionConcurrency (DELETE), GetFunctionConcurrency."""
    if _qualifier_named(request, name):
        raise LambdaApiError(
            "InvalidParameterValueException",
            "This operation is permitted on Lambda functions only. Aliases and versions do not "
            "support this operation. Please specify either a function name or an unqualified "
            "function ARN.",
        )
    function = function_resolve(user=user, reference=name)
    if request.method == "GET":
        config = concurrency.invoke_config_for(user=user, function=function)
        body = (
            {}
            if config.reserved_concurrency is None
            else {"ReservedConcurrentExecutions": config.reserved_concurrency}
        )
        return JsonResponse(body)
    if request.method == "DELETE":
        concurrency.reserved_concurrency_delete(user=user, function=function)
        return HttpResponse(status=204)
    if request.method != "PUT":
        raise _method_not_allowed(request)
    reserved = _json_body(request).get("ReservedConcurrentExecutions")
    if type(reserved) is not int:
        raise LambdaApiError(
            "InvalidParameterValueException", "ReservedConcurrentExecutions must be an integer"
        )
    try:
        config = concurrency.reserved_concurrency_put(
            user=user, function=function, reserved=reserved
        )
    except concurrency.ConcurrencyError as error:
        raise LambdaApiError("InvalidParameterValueException", str(error)) from None
    return JsonResponse({"ReservedConcurrentExecutions": config.reserved_concurrency})


@lambda_api
def provisioned_concurrency(request: HttpRequest, user, name: str) -> HttpResponse:
    """Put/Get/DeleteProvisionedConcurrencyConfig of a version or an alias (AWS refuses
    $LATEST, and an alias that routes to it)."""
    function = function_resolve(user=user, reference=name)
    qualifier = request.GET.get("Qualifier", "")
    if not qualifier:
        raise LambdaApiError("InvalidParameterValueException", "A Qualifier is required.")
    try:
        _at, version = versions.version_at(function=function, qualifier=qualifier)
    except (versions.VersionMissing, versions.AliasMissing):
        raise not_found(function.name, qualifier=qualifier) from None
    if version == versions.LATEST:
        raise LambdaApiError(
            "InvalidParameterValueException",
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.",
        )
    config = concurrency.invoke_config_for(user=user, function=function, qualifier=qualifier)
    if request.method == "GET":
        if not config.provisioned_concurrency:
            raise LambdaApiError(
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function",
            )
        return JsonResponse(provisioned_config(config))
    if request.method == "DELETE":
        concurrency.provisioned_delete(user=user, function=function, qualifier=qualifier)
        return HttpResponse(status=204)
    if request.method != "PUT":
        raise _method_not_allowed(request)
    count = _json_body(request).get("ProvisionedConcurrentExecutions")
    if type(count) is not int:
        raise LambdaApiError(
            "InvalidParameterValueException", "ProvisionedConcurrentExecutions must be an integer"
        )
    try:
        config = concurrency.provisioned_put(
            user=user, function=function, count=count, qualifier=qualifier
        )
    except concurrency.ConcurrencyError as error:
        raise LambdaApiError("InvalidParameterValueException", str(error)) from None
    # The answer is the request's state when it was accepted, as on AWS: IN_PROGRESS with
    # nothing allocated yet (the environments are ready by the next read, which says READY).
    accepted = provisioned_config(config)
    if accepted["Status"] == "READY":
        accepted.update(
            Status="IN_PROGRESS",
            AvailableProvisionedConcurrentExecutions=0,
            AllocatedProvisionedConcurrentExecutions=0,
        )
    return JsonResponse(accepted, status=202)


EVENT_SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


@lambda_api
def event_invoke_config_view(request: HttpRequest, user, name: str) -> HttpResponse:
    """Put (PUT), Update (POST), Get and Delete FunctionEventInvokeConfig, with AWS's answers
    for a function or a configuration that is not there."""
    if request.method not in ("GET", "PUT", "POST", "DELETE"):
        raise _method_not_allowed(request)
    qualifier = _qualifier_named(request, name)
    try:
        function = function_resolve(
            user=user, reference=name, qualifier=request.GET.get("Qualifier")
        )
    except FunctionNotFound as missing:
        if request.method in ("PUT", "POST"):
            raise function_missing() from None
        raise event_invoke_config_missing(missing.name, missing.qualifier) from None
    config = concurrency.invoke_config_for(user=user, function=function, qualifier=qualifier or "")
    if request.method == "GET":
        if not config.event_config_set:
            raise event_invoke_config_missing(function.name, qualifier)
        return JsonResponse(event_invoke_config(function, config))
    if request.method == "DELETE":
        try:
            async_invoke.event_invoke_config_delete(
                user=user, function=function, qualifier=config.qualifier
            )
        except async_invoke.EventInvokeConfigMissing:
            raise event_invoke_config_missing(function.name, qualifier) from None
        return HttpResponse(status=204)
    body = _json_body(request)
    if not any(key in body for key in EVENT_SETTINGS):
        raise LambdaApiError(
            "InvalidParameterValueException",
            "You must specify at least one of error handling or destination setting.",
        )
    destinations = body.get("DestinationConfig")
    settings = {
        "max_retry_attempts": body.get("MaximumRetryAttempts"),
        "max_event_age_s": body.get("MaximumEventAgeInSeconds"),
        "on_success": _destination(destinations, "OnSuccess"),
        "on_failure": _destination(destinations, "OnFailure"),
        "qualifier": config.qualifier,
    }
    try:
        if request.method == "PUT":
            config = async_invoke.event_invoke_config_put(user=user, function=function, **settings)
        else:
            config = async_invoke.event_invoke_config_update(
                user=user, function=function, **settings
            )
    except async_invoke.EventInvokeConfigMissing:
        raise event_invoke_config_missing(function.name, qualifier) from None
    except async_invoke.DestinationError as error:
        raise LambdaApiError("InvalidParameterValueException", str(error)) from None
    return JsonResponse(event_invoke_config(function, config))


def _destination(destinations: Any, key: str) -> str | None:
    """A destination's ARN; "" when the config names the key without one; None when absent."""
    if not isinstance(destinations, dict) or key not in destinations:
        return None
    return str((destinations.get(key) or {}).get("Destination") or "")


@lambda_api
def event_invoke_configs_list(request: HttpRequest, user, name: str) -> HttpResponse:
    """ListFunctionEventInvokeConfigs: the configurations of $LATEST, versions and aliases."""
    if request.method != "GET":
        raise _method_not_allowed(request)
    try:
        function = function_resolve(user=user, reference=name)
    except FunctionNotFound:
        raise function_missing() from None
    configs = async_invoke.event_invoke_configs_for(user=user, function=function)
    return JsonResponse(
        {"FunctionEventInvokeConfigs": [event_invoke_config(function, c) for c in configs]}
    )


# -- versions and aliases -----------------------------------------------------------------------


def _version_configuration(function: Function, user, version) -> dict[str, Any]:
    at = versions.function_at(function=function, version=version)
    number = str(version.number)
    shape = _configuration(at, user, qualifier=number, version=number)
    shape["Description"] = version.description
    return shape


@lambda_api
def function_versions(request: HttpRequest, user, name: str) -> HttpResponse:
    """PublishVersion (POST, 201) and ListVersionsByFunction (GET, $LATEST first)."""
    function = function_resolve(user=user, reference=name)
    if request.method == "GET":
        items = [_configuration(function, user, qualifier="$LATEST", listing=True)] + [
            _version_configuration(function, user, version)
            for version in versions.versions_for(function=function)
        ]
        return JsonResponse({"Versions": items})
    if request.method != "POST":
        raise _method_not_allowed(request)
    _refuse_sample(function)
    body = _json_body(request)
    expected = body.get("CodeSha256")
    if expected and expected != code_sha256(function):
        raise LambdaApiError(
            "InvalidParameterValueException",
            f"CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST "
            f"({code_sha256(function)}). Please try again with the CodeSHA256 in $LATEST.",
        )
    version = versions.version_publish(
        function=function, description=str(body.get("Description") or "")
    )
    return JsonResponse(_version_configuration(function, user, version), status=201)


def _alias_target(function: Function, body: dict[str, Any]) -> dict[str, Any]:
    # RoutingConfig given without weights (`--routing-config '{}'`) ends a canary, as on AWS.
    weights = (
        ((body.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})
        if ("RoutingConfig" in body)
        else None
    )
    if weights is not None and not isinstance(weights, dict):
        raise LambdaApiError(
            "InvalidParameterValueException", "AdditionalVersionWeights must be a map."
        )
    return {
        "version": body.get("FunctionVersion"),
        "description": body.get("Description"),
        "weights": weights,
    }


def _alias_errors(function: Function, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except versions.VersionMissing as missing:
        raise not_found(function.name, qualifier=str(missing)) from None
    except versions.AliasExists as exists:
        raise LambdaApiError(
            "ResourceConflictException",
            f"Alias already exists: {function_arn(function.name)}:{exists}",
        ) from None
    except versions.VersionError as error:
        raise LambdaApiError("InvalidParameterValueException", str(error)) from None


@lambda_api
def function_aliases(request: HttpRequest, user, name: str) -> HttpResponse:
    """CreateAlias (POST, 201) and ListAliases (GET)."""
    function = function_resolve(user=user, reference=name)
    if request.method == "GET":
        aliases = versions.aliases_for(function=function)
        return JsonResponse({"Aliases": [alias_configuration(a) for a in aliases]})
    if request.method != "POST":
        raise _method_not_allowed(request)
    _refuse_sample(function)
    body = _json_body(request)
    target = _alias_target(function, body)
    alias = _alias_errors(
        function,
        lambda: versions.alias_create(
            function=function,
            name=str(body.get("Name") or ""),
            version=str(target["version"] or ""),
            description=str(target["description"] or ""),
            weights=target["weights"],
        ),
    )
    return JsonResponse(alias_configuration(alias), status=201)


@lambda_api
def function_alias(request: HttpRequest, user, name: str, alias_name: str) -> HttpResponse:
    """GetAlias (GET), UpdateAlias (PUT), DeleteAlias (DELETE)."""
    function = function_resolve(user=user, reference=name)
    if request.method not in ("GET", "PUT", "DELETE"):
        raise _method_not_allowed(request)
    try:
        alias = versions.alias_get(function=function, name=alias_name)
    except versions.AliasMissing:
        if request.method == "DELETE":
            return HttpResponse(status=204)  # deleting what is not there succeeds, as on AWS
        raise LambdaApiError(
            "ResourceNotFoundException",
            f"Cannot find alias arn: {function_arn(function.name)}:{alias_name}",
        ) from None
    if request.method == "GET":
        return JsonResponse(alias_configuration(alias))
    _refuse_sample(function)
    if request.method == "DELETE":
        at, version = versions.version_at(function=function, qualifier=alias.name)
        versions.alias_delete(alias=alias)
        concurrency.qualifier_settings_delete(
            user=user, function=function, qualifier=alias.name, at=at, version=version
        )
        return HttpResponse(status=204)
    target = _alias_target(function, _json_body(request))
    before = alias.function_version
    alias = _alias_errors(
        function,
        lambda: versions.alias_update(
            alias=alias,
            version=target["version"],
            description=target["description"],
            weights=target["weights"],
        ),
    )
    if alias.function_version != before:
        concurrency.provisioned_alias_moved(
            user=user, function=function, alias=alias.name, before=before
        )
    return JsonResponse(alias_configuration(alias))


@lambda_api
def account_settings(request: HttpRequest, user) -> HttpResponse:
    """GetAccountSettings: the learner's concurrency limit and what reservations leave."""
    account = concurrency.account_for(user)
    functions = Function.objects.active().owned_by(user)
    code_size = sum(len(text.encode()) for f in functions for text in f.code.values())
    return JsonResponse(
        {
            "AccountLimit": {
                "TotalCodeSize": 80 * 1024**3,
                "CodeSizeUnzipped": 250 * 1024**2,
                "CodeSizeZipped": 50 * 1024**2,
                "ConcurrentExecutions": account.concurrency_limit,
                "UnreservedConcurrentExecutions": concurrency.unreserved_available(user=user),
            },
            "AccountUsage": {"TotalCodeSize": code_size, "FunctionCount": functions.count()},
        }
    )
