from . import registers
