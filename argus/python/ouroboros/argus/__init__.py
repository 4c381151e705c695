"""ouroboros.argus: a Rust static analyser for Python, with a daemon and an MCP server.

Example::

    from ouroboros.argus import Index

    index = Index("src")
    index.definition("src/app/main.py", line=12, column=9)
    index.hover("src/app/main.py", 12, 9)["text"]
    index.diagnostics()
"""

from ouroboros.argus._argus import __version__
from ouroboros.argus._index import Index
from ouroboros.argus._paths import search_paths

__all__ = ["Index", "__version__", "search_paths"]
