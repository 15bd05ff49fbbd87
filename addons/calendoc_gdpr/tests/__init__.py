from . import test_export
from . import test_audit
from . import test_consent
