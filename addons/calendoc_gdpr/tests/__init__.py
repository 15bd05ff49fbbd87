from . import test_export
from . import test_engine_banner
