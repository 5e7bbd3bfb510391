"""A small HTTP/1.1 keep-alive client on asyncio streams, for the load benchmark (stdlib only).

One :class:`Browser` is one simulated learner: one persistent connection (reopened when the
server closes an idle one), its own cookies (session and CSRF), and the CSRF header htmx sends.
It does not follow redirects: the benchmark decides what a redirect means.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

READ_LIMIT = 8 * 1024 * 1024


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with "\n"
    body: bytes
    elapsed_ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class ConnectionLost(Exception):
    """The server closed the connection before a whole response arrived."""


@dataclass
class Browser:
    host: str
    port: int
    timeout_s: float = 60.0
    cookies: dict[str, str] = field(default_factory=dict)
    reconnects: int = 0
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def get(self, path: str, *, htmx: bool = False) -> Response:
        return await self.request("GET", path, htmx=htmx)

    async def post(self, path: str, data: dict | list, *, htmx: bool = False) -> Response:
        return await self.request("POST", path, data=data, htmx=htmx)

    async def request(
        self, method: str, path: str, *, data: dict | list | None = None, htmx: bool = False
    ) -> Response:
        """Send one request; a keep-alive connection the server closed meanwhile is reopened once
        (nothing of the request was processed then: no byte of a response had arrived)."""
        body = urlencode(data, doseq=True).encode() if data is not None else b""
        headers = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": "load-bench",
            "Accept": "text/html",
            "Connection": "keep-alive",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Content-Length"] = str(len(body))
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if htmx:
            headers["HX-Request"] = "true"
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        head = f"{method} {path} HTTP/1.1\r\n{lines}"
        raw = head.encode("latin-1") + b"\r\n" + body
        for attempt in (1, 2):
            fresh = self._writer is None
            if fresh:
                self._reader, self._writer = await asyncio.open_connection(
                    self.host, self.port, limit=READ_LIMIT
                )
            started = time.perf_counter()
            try:
                self._writer.write(raw)
                await self._writer.drain()
                response = await asyncio.wait_for(self._read(started), self.timeout_s)
            except (ConnectionLost, ConnectionError) as error:
                await self.close()
                if fresh or attempt == 2 or getattr(error, "partial", False):
                    raise
                self.reconnects += 1
                continue
            except BaseException:
                await self.close()
                raise
            self._store_cookies(response.headers.get("set-cookie", ""))
            if response.headers.get("connection", "").lower() == "close":
                await self.close()
            return response
        raise AssertionError("unreachable")

    async def _read(self, started: float) -> Response:
        assert self._reader is not None
        try:
            status_line = await self._reader.readline()
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            raise ConnectionLost(str(error)) from None
        if not status_line:
            raise ConnectionLost("connection closed before the response")
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
            status = int(status_line.split()[1])
            headers: dict[str, str] = {}
            for line in head.decode("latin-1").split("\r\n"):
                if not line:
                    continue
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                headers[name] = f"{headers[name]}\n{value}" if name in headers else value
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = await self._read_chunked()
            elif "content-length" in headers:
                body = await self._reader.readexactly(int(headers["content-length"]))
            elif status in (204, 304) or 100 <= status < 200:
                body = b""
            else:
                body = await self._reader.read()
                headers["connection"] = "close"
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            lost = ConnectionLost(f"connection closed mid-response: {error}")
            lost.partial = True  # type: ignore[attr-defined]
            raise lost from None
        return Response(status, headers, body, (time.perf_counter() - started) * 1000)

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        parts = []
        while True:
            size = int((await self._reader.readline()).split(b";")[0].strip(), 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    def _store_cookies(self, header: str) -> None:
        for line in header.split("\n"):
            pair = line.split(";", 1)[0]
            if "=" in pair:
                name, _, value = pair.partition("=")
                name, value = name.strip(), value.strip().strip('"')
                if value:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
