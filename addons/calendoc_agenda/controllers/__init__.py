from . import dataset
from . import main
from . import sms
