from . import export_bundle
