"""text_tools: small text helpers shipped as a Lambda layer.

A layer is a zip file that Lambda extracts under /opt. For Python, the
folder /opt/python is on sys.path, so this module (python/text_tools.py in
the layer) can be imported by any function that attaches the layer with a
plain ``import text_tools``.
"""

import re
import unicodedata
from collections import Counter

__version__ = "1.2.0"

# Words too common to be interesting in a summary.
_STOP_TEXT = """
a an and are as at be by for from has in is it its of on or so that the this to was we were
will with whether our now next
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_WORD = re.compile(r"[a-z0-9']+")


def slugify(text, max_length=60):
    """Turn 'Hello, World!' into 'hello-world' (ASCII, lower case, dashes)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def words(text):
    """Return the lower-case words of a text."""
    return _WORD.findall(text.lower())


def word_count(text):
    return len(words(text))


def top_words(text, n=5):
    """The n most frequent words that are not stop words, most frequent first."""
    counts = Counter(w for w in words(text) if w not in STOP_WORDS and len(w) > 2)
    return [word for word, _ in counts.most_common(n)]


def truncate(text, limit=80, suffix="..."):
    """Cut a text at a word boundary so it fits in `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(suffix)].rsplit(" ", 1)[0]
    return cut + suffix
