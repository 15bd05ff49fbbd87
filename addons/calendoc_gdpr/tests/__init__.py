from . import test_export
from . import test_registers
from . import test_registers_portal
