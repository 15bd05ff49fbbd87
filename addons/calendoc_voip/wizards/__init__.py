from . import calendoc_firm_setup
