from . import res_partner
from . import engine_stores
from . import engine_journal
from . import engine_residue
