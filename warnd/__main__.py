"""`python -m warnd` is `warnd`."""

import sys

from warnd.cli import main

sys.exit(main())
