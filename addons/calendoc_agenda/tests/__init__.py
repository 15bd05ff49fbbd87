from . import test_slot_engine
from . import test_appointment
from . import test_booking_race
from . import test_requester
from . import test_sms_segments
from . import test_access
from . import test_ui
