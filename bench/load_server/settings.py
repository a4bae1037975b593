"""portal.settings as production runs it, with three additions for the bench alone:

- ROOT_URLCONF adds the bare view (load_server.urls);
- STATIC_ROOT is the bench's temporary folder (portal.settings fixes it under the repository's var/);
- the outermost middleware reports each request's time in the server (load_server.timing).
"""

import os
from pathlib import Path

from portal.settings import *  # noqa: F403
from portal.settings import MIDDLEWARE

ROOT_URLCONF = "load_server.urls"
STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])
MIDDLEWARE = ["load_server.timing.server_timing", *MIDDLEWARE]
