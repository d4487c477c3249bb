"""MkDocs hook: drop Sphinx role prefixes (``:func:``, ``:class:``, ...) from the rendered API pages.

emgkit's docstrings are NumPy style and name other objects as ``:func:`name```, which Sphinx turns into a
link; mkdocstrings keeps the role as text (":func:name").  This hook removes the prefix so the name reads
as code.
"""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|ref):(?=<code>|`)")


def on_page_content(html: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs hook signature)
    """``:func:<code>x</code>`` becomes ``<code>x</code>``."""
    return _ROLE.sub("", html)
