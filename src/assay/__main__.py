"""``python -m assay`` runs the command line."""

import sys

from assay.cli import script

sys.exit(script())
