from . import calendoc_slot_finder
from . import calendoc_cancel_wizard
