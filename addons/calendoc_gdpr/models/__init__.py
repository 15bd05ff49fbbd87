from . import res_partner
from . import registers_processing
from . import registers_subprocessor
from . import registers_incident
