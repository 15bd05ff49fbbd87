from . import res_partner
from . import export_bundle
from . import export_bundle_partner
from . import retention
from . import retention_stores
