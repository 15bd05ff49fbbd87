from . import calendoc_google_connection
from . import calendoc_google_calendar
from . import calendoc_google_push
from . import calendar_event
from . import calendoc_practice
from . import calendoc_practitioner
from . import res_config_settings
from . import res_partner
