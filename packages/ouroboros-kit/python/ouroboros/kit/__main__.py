"""``python -m ouroboros.kit`` is ``ob``."""

import sys

from ouroboros.kit.cli import main

sys.exit(main())
