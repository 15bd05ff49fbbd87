from . import test_credits
from . import test_purchase
from . import test_consumption_race
from . import test_revision_terms
from . import test_credit_kinds
from . import test_statement_local_time
from . import test_report_pdf
