"""Deploying code as developers do: a zip package in, the function's files out, and back.

A package is unpacked in memory, never onto the host's disk: every entry must stay inside the
package (no absolute paths, no ``..``, no links pointing out), and the sizes are checked before
anything is read. The sandbox keeps a function's code as text files (path -> source), so a
package of other files (compiled extensions, images) is refused with a message saying so;
Python's own byte-code caches are left out, as Python rebuilds them.

GetFunction's ``Code.Location`` is a link that is its own permission, as S3's presigned URLs
are: signed with the site's key, it names the code and when it stops working (ten minutes after
it was given, as on AWS). Reading one is a pure function of the link and the time.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q

from studyapp.core.errors import NotAllowed
from studyapp.sandbox.concurrency import provisioned_refresh
from studyapp.sandbox.functions import archived_name_free, function_archive
from studyapp.sandbox.models import Function

# Lambda's limits (the error texts are Lambda's own).
MAX_UNZIPPED_BYTES = 262_144_000
MAX_REQUEST_BYTES = 70_167_211  # a 50 MB zip, base64-encoded in the JSON request
UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."
# The sandbox's own limits: its functions are study-sized text packages.
MAX_FILES = 1000
MAX_STORED_BYTES = 5 * 1024 * 1024
SKIPPED_SUFFIXES = (".pyc", ".pyo")
# Code.Location: valid for ten minutes from when GetFunction gave it (AWS's lifetime).
CODE_LINK_LIFETIME = timedelta(minutes=10)
CODE_LINK_SALT = "studyapp.sandbox.code-location"


class CodePackageError(ValueError):
    """A package Lambda (or the sandbox) refuses; ``str(error)`` is the message for the caller."""


@dataclass(frozen=True)
class NewFunction:
    """What CreateFunction gives besides the code."""

    name: str
    handler: str
    description: str
    memory_mb: int
    timeout_s: int
    ephemeral_storage_mb: int
    environment: dict[str, str]
    log_format: str


def package_unpack(*, data: bytes) -> dict[str, str]:
    """The package's files as ``{relative path: text}``; ``CodePackageError`` when unsafe."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise CodePackageError(UNZIP_FAILED) from None
    if sum(entry.file_size for entry in entries) >= MAX_UNZIPPED_BYTES:
        raise CodePackageError(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")
    files: dict[str, zipfile.ZipInfo] = {}
    links: dict[str, str] = {}
    for entry in entries:
        path = _safe_path(entry.filename)
        if entry.is_dir() or path is None:
            continue
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            target = archive.read(entry).decode(errors="replace")
            resolved = _safe_path(posixpath.join(posixpath.dirname(path), target))
            if target.startswith("/") or resolved is None:
                raise CodePackageError(UNZIP_FAILED)
            links[path] = resolved
            continue
        files[path] = entry
    kept = {
        path: entry
        for path, entry in files.items()
        if not path.endswith(SKIPPED_SUFFIXES) and "__pycache__" not in path.split("/")
    }
    for path, target in links.items():
        if target not in files:
            raise CodePackageError(UNZIP_FAILED)  # a link to nothing in the package
        kept[path] = files[target]
    if len(kept) > MAX_FILES:
        raise CodePackageError(
            f"The package has {len(kept)} files; the sandbox keeps at most {MAX_FILES}."
        )
    if sum(entry.file_size for entry in kept.values()) > MAX_STORED_BYTES:
        raise CodePackageError(
            f"The package's files come to more than {MAX_STORED_BYTES // (1024 * 1024)} MB "
            "unzipped; the sandbox keeps study-sized packages."
        )
    code: dict[str, str] = {}
    for path, entry in sorted(kept.items()):
        try:
            raw = archive.read(entry)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError):
            raise CodePackageError(UNZIP_FAILED) from None
        try:
            code[path] = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CodePackageError(
                f"{path} is not a UTF-8 text file: the sandbox runs packages of source files "
                "only (no compiled extensions or other binary files)."
            ) from None
    if not code:
        raise CodePackageError(UNZIP_FAILED)
    return code


def _safe_path(name: str) -> str | None:
    """The entry's path inside the package, None for the package root; refuses ways out."""
    name = name.replace("\\", "/")  # zips written by Windows tools use backslashes
    if name.startswith("/") or "\0" in name or (len(name) > 1 and name[1] == ":"):
        raise CodePackageError(UNZIP_FAILED)
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise CodePackageError(UNZIP_FAILED)
    return "/".join(parts) or None


def package_build(*, code: dict[str, str]) -> bytes:
    """The function's files as a zip package (what Code.Location downloads)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(code.items()):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


@dataclass(frozen=True)
class CodeLink:
    """What a Code.Location link names: a function's code ($LATEST or a version) as it was."""

    function_id: int
    version: str
    code_sha256: str
    expires_at: datetime


class CodeLinkInvalid(ValueError):
    """The link was not signed by this site, or was changed after it was signed."""


class CodeLinkExpired(ValueError):
    """The link's lifetime is over (``expires_at`` says since when)."""

    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


def code_link_sign(*, function_id: int, version: str, code_sha256: str, now: datetime) -> str:
    """The token of a link to this code, valid until ``now`` (whole seconds) plus the lifetime."""
    expires_at = now.replace(microsecond=0) + CODE_LINK_LIFETIME
    claims = {
        "f": function_id,
        "v": version,
        "sha": code_sha256,
        "exp": int(expires_at.timestamp()),
    }
    return signing.dumps(claims, salt=CODE_LINK_SALT)


def code_link_read(*, token: str, now: datetime) -> CodeLink:
    """The code a link names, if this site signed it and ``now`` is not past its expiry (the
    link still works at the second it expires, not after); otherwise ``CodeLinkInvalid`` or
    ``CodeLinkExpired``."""
    try:
        claims = signing.loads(token, salt=CODE_LINK_SALT)
        link = CodeLink(
            function_id=int(claims["f"]),
            version=str(claims["v"]),
            code_sha256=str(claims["sha"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise CodeLinkInvalid(token) from None
    if now > link.expires_at:
        raise CodeLinkExpired(link.expires_at)
    return link


class FunctionExists(ValueError):
    """The learner already has a function of that name."""


def function_create(*, user, new: NewFunction, code: dict[str, str]) -> Function:
    """CreateFunction: the learner's own function from an unpacked package."""
    # A sample's name is taken too: the API must keep reaching the sample by it.
    if (
        Function.objects.active()
        .filter(Q(owner=user) | Q(owner__isnull=True), name=new.name)
        .exists()
    ):
        raise FunctionExists(new.name)
    try:
        with transaction.atomic():
            archived_name_free(user=user, name=new.name)
            return Function.objects.create(
                owner=user,
                name=new.name,
                title=new.name,
                summary=new.description,
                handler=new.handler,
                memory_mb=new.memory_mb,
                timeout_s=new.timeout_s,
                ephemeral_storage_mb=new.ephemeral_storage_mb,
                environment=dict(new.environment),
                log_format=new.log_format,
                code=code,
                deployed=True,
            )
    except IntegrityError:  # created by a concurrent request
        raise FunctionExists(new.name) from None


def function_code_replace(*, function: Function, user, code: dict[str, str]) -> Function:
    """UpdateFunctionCode: the package replaces all of the function's files."""
    if function.owner_id != user.pk:
        raise NotAllowed("only the owner deploys code to a function")
    changed = function.code != code
    function.code = code
    function.save(update_fields=["code", "updated_at"])
    if changed:
        provisioned_refresh(function=function)
    return function


def function_delete(*, function: Function, user) -> None:
    """DeleteFunction: archived (its history stays), and its name free for a new function."""
    function_archive(function=function, user=user)
    archived_name_free(user=user, name=function.name)
