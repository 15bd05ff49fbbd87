from . import retention_wizard
