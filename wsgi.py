"""WSGI entry point: ``gunicorn -w 4 wsgi:app``."""

import gc

from lbs import create_app

app = create_app()

# What start-up loaded (the modules, the app, its translations and locale data) lives as long as the worker.
# Moved out of the cyclic garbage collector's reach, a full collection no longer walks it all: measured on the
# compliance page, a full collection every ~20 requests took 77 ms (the p95 of the page) and takes 0.3 ms.
gc.freeze()
