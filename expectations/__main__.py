"""`python -m expectations`: write the Python suites into the committed GX context (gx/)."""

import sys

from expectations.context import main

sys.exit(main())
