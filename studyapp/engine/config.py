"""A function's configuration, its validation against Lambda's quotas, and its identity.

`FunctionConfig` is what the pool keys environments on: the function name, a hash of the code
(and layers) and a hash of the settings. Two invocations share a warm environment only when all
three match, exactly like publishing a new version on Lambda gives you fresh environments.
Reserved concurrency is not part of the key: on Lambda, changing it is not a new version and
keeps the warm environments. The `account` is: two accounts' functions of the same name never
share an environment, while the function itself only ever sees its plain name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .account import REGION
from .runtimes import PROVIDED, runtime_for
from .shapes import FunctionSpec

MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240
MIN_TIMEOUT_S = 1
MAX_TIMEOUT_S = 900
MIN_EPHEMERAL_MB = 512
MAX_EPHEMERAL_MB = 10_240
MAX_ENVIRONMENT_BYTES = 4 * 1024
MAX_LAYERS = 5
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
MAX_REQUEST_BYTES = 6 * 1024 * 1024  # 6,291,456
MAX_RESPONSE_BYTES = 6_291_556  # the figure Lambda prints in Function.ResponseSizeTooLarge
MAX_ACCOUNT_CHARS = 128
LOG_FORMATS = ("Text", "JSON")
DEFAULT_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
MAX_CUSTOM_HANDLER_CHARS = 128

# Keys Lambda sets itself and refuses in a function's configuration.
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LATEST = "$LATEST"
_VERSION_PATTERN = re.compile(r"\$LATEST|[1-9][0-9]{0,9}")
_ENV_KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_HANDLER_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*\.[A-Za-z_][A-Za-z0-9_]*$")

Code = Mapping[str, str]
Layer = str | Mapping[str, str]


class ConfigError(ValueError):
    """A configuration Lambda would refuse; the message is one line, fit for a user."""


@dataclass(frozen=True)
class FunctionConfig:
    """Everything that defines a function version.

    `code` maps relative paths to source text (learner-edited functions); `code_dir` points at a
    directory on the host (shipped samples, the CLI). Exactly one of the two is set. A layer is a
    directory on the host or a mapping like `code`; layers are merged under /opt in order.
    `account` is an opaque owner id (the web app passes one per learner): part of the pool key,
    never of the name the function sees.
    """

    name: str
    handler: str = "lambda_function.lambda_handler"
    code: Code | None = None
    code_dir: str | None = None
    memory_mb: int = 128
    timeout_s: int = 3
    ephemeral_storage_mb: int = 512
    environment: Mapping[str, str] = field(default_factory=dict)
    layers: tuple[Layer, ...] = ()
    log_format: str = "Text"
    reserved_concurrency: int | None = None
    region: str = REGION
    account: str = ""
    runtime: str = DEFAULT_RUNTIME
    version: str = LATEST  # "$LATEST" or a published version's number: its own environments

    def __post_init__(self) -> None:
        object.__setattr__(self, "environment", dict(self.environment))
        object.__setattr__(self, "layers", tuple(self.layers))
        if self.code is not None:
            object.__setattr__(self, "code", dict(self.code))
        fmt = self.environment.get("AWS_LAMBDA_LOG_FORMAT")
        if fmt is not None and self.log_format == "Text":
            object.__setattr__(self, "log_format", "JSON" if fmt.upper() == "JSON" else "Text")

    # -- validation ---------------------------------------------------------------------------

    @property
    def _in_memory(self) -> bool:
        """Whether the code and every layer are files given as text, no host directory: then
        nothing outside this frozen object can change its pool key, which is worked out once (a
        warm invocation would hash the code again otherwise)."""
        return self.code is not None and not any(isinstance(layer, str) for layer in self.layers)

    def validate(self) -> FunctionConfig:
        """Raise ConfigError on the first setting Lambda would refuse; return self otherwise.

        The settings of this frozen object are checked once (a warm invocation would repeat
        them otherwise); the host directories it names, on every call: they may go away.
        """
        if self.__dict__.get("_settings_valid"):
            self._check_directories()
            return self
        if not _NAME_PATTERN.match(self.name):
            raise ConfigError(
                f"function name {self.name!r} must be 1-64 letters, digits, hyphens or underscores"
            )
        if not isinstance(self.version, str) or not _VERSION_PATTERN.fullmatch(self.version):
            raise ConfigError("version must be $LATEST or a published version's number")
        try:
            runtime_for(self.runtime)
        except ValueError as error:
            raise ConfigError(str(error)) from None
        if self.runtime == PROVIDED:  # a custom runtime's handler is whatever it understands
            if len(self.handler) > MAX_CUSTOM_HANDLER_CHARS or not self.handler.isprintable():
                raise ConfigError(
                    f"handler must be printable text of at most {MAX_CUSTOM_HANDLER_CHARS}"
                )
        elif (
            not _HANDLER_PATTERN.match(self.handler) or ".." in self.handler or "//" in self.handler
        ):
            raise ConfigError(f"handler {self.handler!r} must look like module.function")
        _check_int_range("memory", self.memory_mb, MIN_MEMORY_MB, MAX_MEMORY_MB, "MB")
        _check_int_range("timeout", self.timeout_s, MIN_TIMEOUT_S, MAX_TIMEOUT_S, "seconds")
        _check_int_range(
            "ephemeral storage", self.ephemeral_storage_mb, MIN_EPHEMERAL_MB, MAX_EPHEMERAL_MB, "MB"
        )
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"log format must be one of {', '.join(LOG_FORMATS)}")
        check_environment(self.environment)
        if (self.code is None) == (self.code_dir is None):
            raise ConfigError("give the function's code either as files or as a directory")
        for path in self.code or ():
            check_relative_path(path)
        if len(self.layers) > MAX_LAYERS:
            raise ConfigError(f"a function can use at most {MAX_LAYERS} layers")
        for layer in self.layers:
            for path in () if isinstance(layer, str) else layer:
                check_relative_path(path)
        if (
            not isinstance(self.account, str)
            or len(self.account) > MAX_ACCOUNT_CHARS
            or not self.account.isprintable()
        ):
            raise ConfigError(f"account must be printable text of at most {MAX_ACCOUNT_CHARS}")
        if self.reserved_concurrency is not None and self.reserved_concurrency < 0:
            raise ConfigError("reserved concurrency cannot be negative")
        self._check_directories()
        self.__dict__["_settings_valid"] = True  # not a field: equality and asdict() ignore it
        return self

    def _check_directories(self) -> None:
        if self.code_dir is not None and not os.path.isdir(self.code_dir):
            raise ConfigError(f"code directory {self.code_dir} does not exist")
        for layer in self.layers:
            if isinstance(layer, str) and not os.path.isdir(layer):
                raise ConfigError(f"layer directory {layer} does not exist")

    # -- identity -----------------------------------------------------------------------------

    @property
    def module_name(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    def code_sha256(self) -> str:
        """A hash of the code and the layers (content for mappings, metadata for directories)."""
        digest = hashlib.sha256()
        _hash_source(digest, self.code if self.code is not None else self.code_dir or "")
        for layer in self.layers:
            digest.update(b"\0layer\0")
            _hash_source(digest, layer)
        return digest.hexdigest()

    def settings_sha256(self) -> str:
        """A hash of what the runtime sees; limits applied from outside (reserved) are left out."""
        settings = {name: getattr(self, name) for name in _SETTINGS_FIELDS}
        return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()

    def pool_key(self) -> str:
        """Environments are shared only between invocations of the same account, name, code and
        settings (the account is inside the settings hash)."""
        key = self.__dict__.get("_pool_key")
        if key is None:
            key = f"{self.name}:{self.code_sha256()[:16]}:{self.settings_sha256()[:16]}"
            if self._in_memory:
                self.__dict__["_pool_key"] = key
        return key

    # -- serialisation ------------------------------------------------------------------------

    def to_dict(self) -> FunctionSpec:
        data = asdict(self)
        data["layers"] = [layer if isinstance(layer, str) else dict(layer) for layer in self.layers]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FunctionConfig:
        """Build from the service's JSON (unknown keys are refused, types are checked)."""
        if not isinstance(data, Mapping):
            raise ConfigError("function must be a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown function setting(s): {', '.join(unknown)}")
        if "name" not in data:
            raise ConfigError("function needs a name")
        kwargs: dict[str, Any] = dict(data)
        for key in ("memory_mb", "timeout_s", "ephemeral_storage_mb"):
            if key in kwargs and (type(kwargs[key]) is not int):
                raise ConfigError(f"{key} must be an integer")
        if not isinstance(kwargs.get("account", ""), str):
            raise ConfigError("account must be a string")
        code = kwargs.get("code")
        if code is not None and not _is_str_mapping(code):
            raise ConfigError("code must map relative paths to source text")
        env = kwargs.get("environment", {})
        if not _is_str_mapping(env):
            raise ConfigError("environment must map names to string values")
        layers = kwargs.get("layers", ())
        if not isinstance(layers, list | tuple) or not all(
            isinstance(layer, str) or _is_str_mapping(layer) for layer in layers
        ):
            raise ConfigError("layers must be a list of directories or file mappings")
        kwargs["layers"] = tuple(layers)
        return cls(**kwargs)


# The settings hashed by settings_sha256 (not the code, nor limits applied from outside).
_SETTINGS_FIELDS = tuple(
    item.name
    for item in fields(FunctionConfig)
    if item.name not in ("code", "code_dir", "layers", "reserved_concurrency")
)


def check_environment(environment: Mapping[str, str]) -> None:
    total = 0
    for key, value in environment.items():
        if not _ENV_KEY_PATTERN.match(key):
            raise ConfigError(f"environment variable name {key!r} is not valid")
        if key in RESERVED_ENVIRONMENT_KEYS:
            raise ConfigError(f"environment variable {key} is reserved by Lambda")
        total += len(key.encode()) + len(value.encode())
    if total > MAX_ENVIRONMENT_BYTES:
        raise ConfigError(
            f"environment variables total {total} bytes, over Lambda's 4 KB limit "
            f"({MAX_ENVIRONMENT_BYTES} bytes)"
        )


def check_relative_path(path: str) -> None:
    parts = Path(path).parts
    if not path or Path(path).is_absolute() or ".." in parts or "\0" in path:
        raise ConfigError(f"code path {path!r} must be relative and stay inside the package")


def _check_int_range(label: str, value: Any, low: int, high: int, unit: str) -> None:
    if type(value) is not int or not low <= value <= high:
        raise ConfigError(f"{label} must be a whole number from {low} to {high} {unit}")


def _is_str_mapping(value: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _hash_source(digest: Any, source: str | Mapping[str, str]) -> None:
    if isinstance(source, Mapping):
        for path in sorted(source):
            digest.update(path.encode() + b"\0" + source[path].encode() + b"\0")
        return
    digest.update(b"dir\0" + os.path.realpath(source).encode() + b"\0")
    total = 0
    for root, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            total += stat.st_size
            if total > MAX_UNZIPPED_BYTES:
                raise ConfigError("code and layers exceed Lambda's 250 MB unzipped limit")
            rel = os.path.relpath(path, source)
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
