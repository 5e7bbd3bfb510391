"""What tests compare pages with: a page's HTML without what differs on every response."""

from __future__ import annotations

import re


def without_tokens(html: str) -> str:
    """The page without what differs on every response: the CSRF token and the CSP nonce."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "CSRF", html)
    return re.sub(r'nonce="[^"]+"', "NONCE", html)
