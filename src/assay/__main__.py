"""``python -m assay`` runs the command line."""

import sys

from assay.cli import main

sys.exit(main())
