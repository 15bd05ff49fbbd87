from . import res_partner
from . import audit
from . import audit_partner
from . import consent
from . import transfer
