"""python3 addons/calendoc_voip/bridge [options]: see sipbridge.py."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sipbridge import main  # noqa: E402

main()
