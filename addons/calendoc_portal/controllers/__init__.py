from . import booking, portal, signup
