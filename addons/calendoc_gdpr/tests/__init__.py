from . import test_export
from . import test_gdpr_request
