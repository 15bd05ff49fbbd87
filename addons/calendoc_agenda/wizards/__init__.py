from . import calendoc_slot_finder
from . import calendoc_cancel_wizard
from . import calendoc_firm_setup
