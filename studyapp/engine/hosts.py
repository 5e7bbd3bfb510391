"""Which sandbox host runs a function when SANDBOX_URL names several (a comma-separated list).

Rendezvous (highest-random-weight) hashing: for each function, every host gets a score
`sha256(host + routing key)`; the function runs on the host with the highest score, and the rest
of that ranking is its failover order. So:

- a function always lands on the same host while the list is the same (in any order), which is
  what keeps its environments warm there;
- adding a host moves only the functions that now score highest on it (about 1/N of them), and
  removing one moves only its own functions, each to its next host;
- no state is shared between web processes: each computes the same answer.

The routing key is the account and the function's name, not the pool key, so a new version of
the code or settings (fresh environments anyway) stays on the same host, as does provisioned
concurrency for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any


def service_urls(value: str | Sequence[str]) -> list[str]:
    """The hosts of a SANDBOX_URL value: split on commas, trimmed, no trailing '/', no repeats."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    urls: list[str] = []
    for part in parts:
        url = part.strip().rstrip("/")
        if url and url not in urls:
            urls.append(url)
    return urls


def routing_key(function: Mapping[str, Any]) -> str:
    """What places a function (a FunctionConfig dict): its account and its name."""
    return f"{function.get('account') or ''}/{function.get('name') or ''}"


def hosts_ranked(key: str, hosts: Sequence[str]) -> list[str]:
    """The hosts in the order this key should try them: the chosen one first, then failover."""
    return sorted(hosts, key=lambda host: (_score(host, key), host), reverse=True)


def _score(host: str, key: str) -> int:
    digest = hashlib.sha256(host.encode() + b"\0" + key.encode()).digest()
    return int.from_bytes(digest[:8], "big")
