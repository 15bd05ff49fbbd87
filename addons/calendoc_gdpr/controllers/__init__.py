from . import export_bundle
from . import registers
