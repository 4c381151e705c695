"""``python -m ouroboros.tasks worker app:tasks``: see :mod:`ouroboros.tasks._cli`."""

import sys

from ouroboros.tasks._cli import main

sys.exit(main())
