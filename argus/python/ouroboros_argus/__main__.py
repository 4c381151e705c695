"""`python -m ouroboros_argus COMMAND`: check, server, mcp-server, mcp, lsp, ..."""

from __future__ import annotations

import sys

from ouroboros.argus._cli import main

if __name__ == "__main__":
    sys.exit(main())
