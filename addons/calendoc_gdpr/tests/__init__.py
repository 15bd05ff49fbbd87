from . import test_export
from . import test_engine_banner
from . import test_export_bundle
from . import test_retention
from . import test_gdpr_request
from . import test_registers
from . import test_registers_portal
