import sys

from oddsstore.cli import main

sys.exit(main())
