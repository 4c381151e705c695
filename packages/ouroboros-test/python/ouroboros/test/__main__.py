"""``python -m ouroboros.test PATH...``"""

import sys

from ouroboros.test._main import main

if __name__ == "__main__":
    sys.exit(main())
