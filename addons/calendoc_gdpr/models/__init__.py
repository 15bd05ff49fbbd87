from . import res_partner
from . import gdpr_request
from . import gdpr_request_execution
