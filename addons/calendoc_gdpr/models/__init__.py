from . import res_partner
from . import engine_stores
from . import engine_journal
from . import engine_residue
from . import export_bundle
from . import export_bundle_partner
from . import retention
from . import retention_stores
