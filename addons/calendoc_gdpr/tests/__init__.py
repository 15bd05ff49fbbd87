from . import test_export
