from . import dataset
from . import main
