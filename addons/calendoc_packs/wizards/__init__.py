from . import calendoc_credit_correction
from . import calendoc_statement_wizard
