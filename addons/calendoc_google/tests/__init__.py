from . import test_pull
from . import test_push
from . import test_connection
from . import test_tokens
