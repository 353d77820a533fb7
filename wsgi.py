"""WSGI entry point: ``gunicorn -w 4 wsgi:app``."""

import gc

from lbs import create_app

app = create_app()

# What start-up loaded (the modules, the app, its translations and locale data) lives as long as the worker.
# Moved out of the cyclic garbage collector's reach, a full collection no longer walks it all; before, the
# occasional full collection was a page's slowest requests (docs/performance.md).
gc.freeze()
