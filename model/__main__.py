"""``python -m model`` is the ``engagement`` command."""

import sys

from model.cli import main

sys.exit(main())
