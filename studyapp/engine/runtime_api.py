"""The Lambda Runtime API, served by the supervisor to one execution environment.

AWS documents the API (version 2018-06-01) that every Lambda runtime speaks: the runtime asks
`GET /runtime/invocation/next` for an event, posts its answer to `/runtime/invocation/{id}/response`
or `/error`, and reports a failed INIT to `/runtime/init/error`. Here the supervisor serves it,
so the platform's duties (the 6 MB limit, deadlines, init errors, exits, START/END/REPORT) stay on
the host side and nothing the function can touch decides them.

Where the socket lives: the runtime reaches the API at 127.0.0.1:9001 on its *own* loopback,
inside the sandbox's network namespace, which has no route to the host or anywhere else. The
supervisor creates the listening socket inside that namespace (a socket belongs to the namespace
it was created in, whoever holds it), then hands bubblewrap the go-ahead. No process of ours runs
inside the sandbox: a relay there would cost an interpreter's start (about 15 ms and 10 MB of the
function's memory) on every cold start, and the function could kill or replace it. The supervisor
is single-threaded per environment and reads the runtime's requests with a bounded, non-blocking
HTTP/1.1 parser; nothing the runtime writes is trusted.

The API's answers for misuse are the ones Lambda's runtime API gives (403 InvalidStateTransition,
400 InvalidRequestID, 413 RequestEntityTooLarge, 404 for paths it does not serve).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import selectors
import socket
import threading
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from .config import MAX_RESPONSE_BYTES

API_VERSION = "2018-06-01"
SANDBOX_API_HOST = "127.0.0.1"
SANDBOX_API_PORT = 9001
MAX_HEADER_BYTES = 16 * 1024
MAX_ERROR_BODY_BYTES = 1024 * 1024  # an /error or /init/error body beyond this is cut
MAX_DISCARD_BYTES = 64 * 1024 * 1024  # a body beyond this closes the connection
READ_CHUNK = 1 << 16

# The runtime's states, with the names Lambda's runtime API uses in its 403 answers.
STARTED = "Started"
READY = "Ready"
RUNNING = "Running"
RESPONSE_SENT = "RuntimeResponseSentState"
INIT_ERROR = "InitError"

_NEXT = re.compile(rf"^/{API_VERSION}/runtime/invocation/next$")
_RESPONSE = re.compile(rf"^/{API_VERSION}/runtime/invocation/([^/]+)/(response|error)$")
_INIT_ERROR = re.compile(rf"^/{API_VERSION}/runtime/init/error$")
DEADLINE_HEADER = "Lambda-Runtime-Deadline-Ms"
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.-]+")  # a request id the path carries as it is
# Header lines of printable ASCII and tabs (where bytes and latin-1 text cannot strip apart),
# each with a colon, each ended by CRLF.
_HEADER_LINES = re.compile(rb"(?:[\t -9;-~]*:[\t -~]*\r\n)*")
_CONTENT_LENGTH = re.compile(rb"(?:^|\r\n)[ \t]*content-length[ \t]*:([^\r\n]*)")


def request_id_new() -> str:
    """A random (version 4) UUID as text, as str(uuid.uuid4()) writes it, without the UUID
    object (a few microseconds of every invocation)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def trace_id_new(now: float | None = None) -> str:
    """An X-Ray trace header as Lambda passes it (not sampled: no X-Ray here)."""
    epoch = int(now if now is not None else time.time())
    random = os.urandom(20).hex()  # one system call for both of its random parts
    return f"Root=1-{epoch:08x}-{random[:24]};Parent={random[24:]};Sampled=0"


@dataclass
class Invocation:
    """What the supervisor hands the runtime on /next."""

    request_id: str
    event: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str
    client_context: dict[str, Any] | None = None
    identity: dict[str, Any] | None = None
    _prepared: tuple[bytes, bytes] | None = field(default=None, repr=False, compare=False)

    def headers(self) -> list[tuple[str, str]]:
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", self.request_id),
            (DEADLINE_HEADER, str(self.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", self.function_arn),
            ("Lambda-Runtime-Trace-Id", self.trace_id),
        ]
        if self.client_context is not None:
            headers.append(("Lambda-Runtime-Client-Context", json.dumps(self.client_context)))
        if self.identity is not None:
            headers.append(("Lambda-Runtime-Cognito-Identity", json.dumps(self.identity)))
        return headers

    def next_answer(self) -> bytes:
        """The whole HTTP answer to /next that hands this invocation over."""
        if self._prepared is None:
            return http_response(200, self.event, self.headers())
        before, after = self._prepared
        return b"%b%d%b" % (before, self.deadline_ms, after)

    def prepare(self) -> None:
        """Build the answer to /next ahead but for its deadline, which is set when the /next
        has come: next_answer() then only writes the deadline in. The answer is
        http_response()'s for headers(), built with the deadline's value left empty and cut
        there (header values hold no line breaks, so the first such line is the deadline's)."""
        headers = [
            (name, "" if name == DEADLINE_HEADER else value) for name, value in self.headers()
        ]
        answer = http_response(200, self.event, headers)
        before, line, after = answer.partition(f"\r\n{DEADLINE_HEADER}: \r\n".encode())
        self._prepared = (before + line[:-2], line[-2:] + after)


@dataclass
class ApiMessage:
    """What the runtime told the supervisor: ready, init_error or result (ok or not)."""

    type: str
    ok: bool = False
    body: bytes = b""
    handler_ms: float | None = None
    after_response: str | None = None  # an answer the runtime got that it may act on (413)


class HttpError(Exception):
    """The runtime's HTTP was malformed or too large: answered once, then the connection closes."""


@dataclass
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    truncated_bytes: int = 0  # how much of the body was over the limit and dropped


@dataclass
class _Connection:
    sock: socket.socket
    buffer: bytearray = field(default_factory=bytearray)
    outgoing: bytearray = field(default_factory=bytearray)
    head: tuple[str, str, dict[str, str]] | None = None
    close_after_write: bool = False
    closed: bool = False
    writing: bool = False  # registered for EVENT_WRITE: `outgoing` waits for room
    # The bytes of the last /next that came alone: a runtime client asks with the same bytes
    # every time, and the same bytes are the same request (see _read).
    next_request: bytes = b""


_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}
_JSON_ONLY = [("Content-Type", "application/json")]


def http_response(
    status: int, body: bytes, headers: list[tuple[str, str]] | None = None, *, close: bool = False
) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}"]
    lines += [f"{name}: {_header_safe(value)}" for name, value in headers or _JSON_ONLY]
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1", "replace") + body


def _header_safe(value: str) -> str:
    if "\r" in value or "\n" in value:
        return value.replace("\r", " ").replace("\n", " ")
    return value


_ACCEPTED = http_response(202, b'{"status":"OK"}')  # the answer to every accepted POST


def api_error(status: int, error_type: str, message: str) -> bytes:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return http_response(status, body)


def _transition_refused(current: str, wanted: str) -> bytes:
    return api_error(
        403,
        "InvalidStateTransition",
        f"State transition from {current} to {wanted} failed for runtime. "
        "Error: State transition is not allowed",
    )


def response_too_large_error(size: int) -> dict[str, str]:
    """The error the caller gets when a function's response is over Lambda's 6 MB."""
    return {
        "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed payload "
        f"size ({MAX_RESPONSE_BYTES} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


class RuntimeApi:
    """The Runtime API of one environment. Not thread-safe: the supervisor drives it."""

    def __init__(self, listener: socket.socket, selector: selectors.BaseSelector) -> None:
        self.listener = listener
        self.selector = selector
        self.state = STARTED
        self.current: Invocation | None = None
        self._delivered_at = 0.0
        self._waiting: _Connection | None = None  # a /next the runtime is waiting on
        self._pending: Invocation | None = None  # an invocation waiting for a /next
        # How the running invocation's /response begins, byte for byte (see _response_at_once).
        self._response_prefix = b""
        self._connections: dict[int, _Connection] = {}
        listener.setblocking(False)
        selector.register(listener, selectors.EVENT_READ, self)

    # -- what the supervisor calls ------------------------------------------------------------

    @property
    def waiting(self) -> bool:
        """Whether the runtime is waiting on /next (idle, as Lambda freezes it)."""
        return self._waiting is not None

    def deliver(self, invocation: Invocation) -> None:
        """Hand the runtime this invocation: now if it waits on /next, else when it asks."""
        self._pending = invocation
        if self._waiting is not None:
            self._answer_next()

    def handle(self, key: selectors.SelectorKey, events: int) -> ApiMessage | None:
        """Serve what is ready on one of the API's sockets; a message when the runtime said one."""
        if key.fileobj is self.listener:
            self._accept()
            return None
        connection = self._connections.get(key.fd)
        if connection is None:
            return None
        if events & selectors.EVENT_WRITE:
            self._flush(connection)
        if events & selectors.EVENT_READ and not connection.closed:
            return self._read(connection)
        return None

    def close(self) -> None:
        for connection in list(self._connections.values()):
            self._close(connection)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(self.listener)
        self.listener.close()

    # -- connections --------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                sock, _address = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(False)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = _Connection(sock)
            self._connections[sock.fileno()] = connection
            self.selector.register(sock, selectors.EVENT_READ, self)

    def _close(self, connection: _Connection) -> None:
        if connection.closed:
            return
        connection.closed = True
        if self._waiting is connection:
            self._waiting = None
        fd = connection.sock.fileno()
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(connection.sock)
        self._connections.pop(fd, None)
        connection.sock.close()

    def _send(self, connection: _Connection, data: bytes, *, close: bool = False) -> None:
        connection.close_after_write = connection.close_after_write or close
        if connection.outgoing:  # an earlier answer still waits for room: keep the order
            connection.outgoing += data
            return
        try:
            sent = connection.sock.send(data)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._close(connection)
            return
        if sent < len(data):
            connection.outgoing += memoryview(data)[sent:]
        self._flush(connection)

    def _flush(self, connection: _Connection) -> None:
        while connection.outgoing:
            try:
                sent = connection.sock.send(connection.outgoing[: READ_CHUNK * 4])
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._close(connection)
                return
            del connection.outgoing[:sent]
        if connection.closed:
            return
        if not connection.outgoing and connection.close_after_write:
            self._close(connection)
            return
        writing = bool(connection.outgoing)
        if writing != connection.writing:
            connection.writing = writing
            wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if writing else 0)
            with contextlib.suppress(KeyError, ValueError):
                self.selector.modify(connection.sock, wanted, self)

    def _read(self, connection: _Connection) -> ApiMessage | None:
        try:
            data = connection.sock.recv(READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            data = b""
        if not data:
            self._close(connection)
            return None
        alone = not connection.buffer and connection.head is None
        if alone and data == connection.next_request:
            return self._next(connection)  # parsed and routed when these bytes came first
        if alone and self._response_prefix and data.startswith(self._response_prefix):
            answered = self._response_at_once(connection, data)
            if answered is not None:
                return answered
        connection.buffer += data
        message = None
        # An empty buffer completes no request: a head parsed before waits for a body.
        while not connection.closed and connection.buffer:
            try:
                request = self._parse(connection)
            except HttpError as error:
                self._send(
                    connection, api_error(400, "InvalidRequestFormat", str(error)), close=True
                )
                return message
            if request is None:
                return message
            if (
                alone
                and not connection.buffer
                and request.method == "GET"
                and not request.body
                and _NEXT.match(request.path)
            ):
                connection.next_request = data
            message = self._route(connection, request) or message
        return message

    def _parse(self, connection: _Connection) -> _Request | None:
        buffer = connection.buffer
        if connection.head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEADER_BYTES:
                    raise HttpError("request headers too large")
                return None
            if end > MAX_HEADER_BYTES:
                raise HttpError("request headers too large")
            lines = buffer[:end].decode("latin-1").split("\r\n")
            del buffer[: end + 4]
            try:
                method, path, _version = lines[0].split(" ", 2)
            except ValueError:
                raise HttpError("malformed request line") from None
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if not sep:
                    raise HttpError("malformed header line")
                headers[name.strip().lower()] = value.strip()
            connection.head = (method, path.split("?", 1)[0], headers)
        method, path, headers = connection.head
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = _dechunk(buffer)
            if body is None:
                if len(buffer) > MAX_RESPONSE_BYTES + MAX_HEADER_BYTES + (1 << 20):
                    raise HttpError("request body too large")
                return None
        else:
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                raise HttpError("malformed Content-Length") from None
            if length < 0 or length > MAX_DISCARD_BYTES:
                raise HttpError("request body too large")
            if len(buffer) < length:
                return None
            body = bytes(buffer[:length])
            del buffer[:length]
        connection.head = None
        return _Request(method, path, headers, body)

    # -- the API ------------------------------------------------------------------------------

    def _route(self, connection: _Connection, request: _Request) -> ApiMessage | None:
        path = request.path
        if _NEXT.match(path):
            if request.method != "GET":
                self._send(connection, http_response(405, b"Method Not Allowed\n", []))
                return None
            return self._next(connection)
        match = _RESPONSE.match(path)
        if match:
            if request.method != "POST":
                self._send(connection, http_response(405, b"Method Not Allowed\n", []))
                return None
            return self._invocation_answer(connection, request, match[1], match[2])
        if _INIT_ERROR.match(path):
            if request.method != "POST":
                self._send(connection, http_response(405, b"Method Not Allowed\n", []))
                return None
            return self._init_error(connection, request)
        self._send(
            connection,
            http_response(404, b"404 page not found\n", [("Content-Type", "text/plain")]),
        )
        return None

    def _next(self, connection: _Connection) -> ApiMessage | None:
        if self.state == RUNNING or self._waiting is not None:
            self._send(connection, _transition_refused(self.state, READY))
            return None
        if self.state == INIT_ERROR:
            self._send(connection, _transition_refused(self.state, READY))
            return None
        first = self.state == STARTED
        self.state = READY
        self._waiting = connection
        if self._pending is not None:
            self._answer_next()
        return ApiMessage("ready") if first else None

    def _answer_next(self) -> None:
        connection, invocation = self._waiting, self._pending
        assert connection is not None and invocation is not None
        self._waiting = self._pending = None
        self.current = invocation
        self.state = RUNNING
        self._delivered_at = time.perf_counter()
        self._send(connection, invocation.next_answer())
        request_id = invocation.request_id
        self._response_prefix = (
            f"POST /{API_VERSION}/runtime/invocation/{request_id}/response HTTP/1.1\r\n".encode()
            if _PLAIN_ID.fullmatch(request_id)
            else b""
        )

    def _response_at_once(self, connection: _Connection, data: bytes) -> ApiMessage | None:
        """The running invocation's /response when it came whole in one read, with a
        Content-Length: answered before anything else, as _route and _invocation_answer would
        answer it. None for anything else (a chunked body, a body still to come, a header line
        the parser refuses, a body over the limit), which then takes the general way."""
        end = data.find(b"\r\n\r\n")
        if end < 0 or end > MAX_HEADER_BYTES or self.state != RUNNING or self.current is None:
            return None
        start = len(self._response_prefix)
        if start >= end + 2 or not _HEADER_LINES.fullmatch(data, start, end + 2):
            return None
        head = data[start:end].lower()
        if b"transfer-encoding" in head:
            return None
        lengths = _CONTENT_LENGTH.findall(head)  # the parser keeps the last one
        try:
            size = int(lengths[-1]) if lengths else 0
        except ValueError:
            return None
        if size < 0 or size > MAX_RESPONSE_BYTES or len(data) != end + 4 + size:
            return None
        handler_ms = (time.perf_counter() - self._delivered_at) * 1000
        self._send(connection, _ACCEPTED)
        self.state = RESPONSE_SENT
        self.current = None
        self._response_prefix = b""
        return ApiMessage("result", ok=True, body=data[end + 4 :], handler_ms=handler_ms)

    def _invocation_answer(
        self, connection: _Connection, request: _Request, request_id: str, kind: str
    ) -> ApiMessage | None:
        wanted = "InvocationResponse" if kind == "response" else "InvocationErrorResponse"
        if self.state != RUNNING or self.current is None:
            self._send(connection, _transition_refused(self.state, wanted))
            return None
        if request_id != self.current.request_id:
            self._send(connection, api_error(400, "InvalidRequestID", "Invalid request ID"))
            return None
        handler_ms = (time.perf_counter() - self._delivered_at) * 1000
        self.state = RESPONSE_SENT
        self.current = None
        if kind == "response":
            if len(request.body) > MAX_RESPONSE_BYTES:
                self._send(
                    connection,
                    api_error(
                        413,
                        "RequestEntityTooLarge",
                        f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
                    ),
                )
                error = response_too_large_error(len(request.body))
                return ApiMessage(
                    "result",
                    ok=False,
                    body=json.dumps(error).encode(),
                    handler_ms=handler_ms,
                    after_response="413",
                )
            self._send(connection, _ACCEPTED)
            return ApiMessage("result", ok=True, body=request.body, handler_ms=handler_ms)
        self._send(connection, _ACCEPTED)
        body = function_error_body(request)
        return ApiMessage("result", ok=False, body=body, handler_ms=handler_ms)

    def _init_error(self, connection: _Connection, request: _Request) -> ApiMessage | None:
        if self.state != STARTED:
            self._send(connection, _transition_refused(self.state, INIT_ERROR))
            return None
        self.state = INIT_ERROR
        self._send(connection, _ACCEPTED)
        return ApiMessage("init_error", body=function_error_body(request))


def function_error_body(request: _Request) -> bytes:
    """The error object a runtime posted, as Lambda passes it on; its type header fills gaps."""
    error_type = request.headers.get("lambda-runtime-function-error-type", "")
    body = request.body[:MAX_ERROR_BODY_BYTES]
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "errorType" in payload:
        return json.dumps(payload).encode()
    if isinstance(payload, dict):
        return json.dumps({**payload, "errorType": error_type or "Runtime.Unknown"}).encode()
    return json.dumps(
        {
            "errorMessage": body.decode("utf-8", "replace"),
            "errorType": error_type or "Runtime.Unknown",
        }
    ).encode()


def _dechunk(buffer: bytearray) -> bytes | None:
    """A complete chunked body taken off `buffer`, or None while it is incomplete."""
    position = 0
    body = bytearray()
    while True:
        end = buffer.find(b"\r\n", position)
        if end < 0:
            return None
        try:
            size = int(bytes(buffer[position:end]).split(b";")[0], 16)
        except ValueError:
            raise HttpError("malformed chunk size") from None
        start = end + 2
        if size == 0:
            trailer_end = buffer.find(b"\r\n", start)
            if trailer_end < 0:
                return None
            del buffer[: trailer_end + 2]
            return bytes(body)
        if len(buffer) < start + size + 2:
            return None
        body += buffer[start : start + size]
        if len(body) > MAX_DISCARD_BYTES:
            raise HttpError("request body too large")
        position = start + size + 2


# -- the listening socket, inside the sandbox's network namespace ------------------------------


def listener_in_namespace(pid: int, *, use_fork: bool | None = None) -> socket.socket:
    """A socket listening on 127.0.0.1:9001 in the network namespace of process `pid`.

    As root the supervisor's thread joins the namespace just long enough to create the socket.
    Without root that is not allowed (joining a network namespace needs CAP_SYS_ADMIN in one's
    own user namespace too), so a forked child joins the sandbox's user namespace first and sends
    the socket back over a socket pair.
    """
    if use_fork is None:
        use_fork = os.geteuid() != 0
    net_fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if use_fork:
            return _listener_by_fork(pid, net_fd)
        with _NAMESPACE_LOCK:
            own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            try:
                os.setns(net_fd, os.CLONE_NEWNET)
                try:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                finally:
                    os.setns(own, os.CLONE_NEWNET)
            finally:
                os.close(own)
        _listen(sock)
        return sock
    finally:
        os.close(net_fd)


_NAMESPACE_LOCK = threading.Lock()


def _listen(sock: socket.socket, *, within_s: float = 5.0) -> None:
    """Bind and listen. bubblewrap brings the namespace's loopback up while the supervisor
    creates the socket: until it is up, binding 127.0.0.1 fails with EADDRNOTAVAIL."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    give_up = time.monotonic() + within_s
    while True:
        try:
            sock.bind((SANDBOX_API_HOST, SANDBOX_API_PORT))
            break
        except OSError as error:
            if error.errno != errno.EADDRNOTAVAIL or time.monotonic() > give_up:
                sock.close()
                raise
            time.sleep(0.0005)
    sock.listen(8)


NS_GET_USERNS = 0xB701  # ioctl: the user namespace that owns a namespace


def _listener_by_fork(pid: int, net_fd: int) -> socket.socket:
    # The network namespace's owner, not the process's own user namespace: bubblewrap nests a
    # second one to map the sandbox's uid, and joining that would give no say over the network.
    user_fd = fcntl.ioctl(net_fd, NS_GET_USERNS)
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            child_pid = os.fork()
        if child_pid == 0:  # pragma: no cover - the child only creates the socket and exits
            status = 1
            try:
                os.setns(user_fd, os.CLONE_NEWUSER)
                os.setns(net_fd, os.CLONE_NEWNET)
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                _listen(sock)
                socket.send_fds(child, [b"s"], [sock.fileno()])
                status = 0
            finally:
                os._exit(status)
        child.close()
        _, status = os.waitpid(child_pid, 0)
        parent.settimeout(5.0)
        _message, fds, _flags, _address = socket.recv_fds(parent, 1, 1)
        if status != 0 or not fds:
            raise OSError("could not open the Runtime API inside the sandbox's network namespace")
        return socket.socket(fileno=fds[0])
    finally:
        os.close(user_fd)
        parent.close()
        with contextlib.suppress(OSError):
            child.close()


def listener_on_host() -> socket.socket:
    """Without bubblewrap there is no namespace: an ephemeral port on the host's loopback."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((SANDBOX_API_HOST, 0))
    sock.listen(8)
    return sock
