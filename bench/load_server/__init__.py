"""The server bench/kiosk_load.py runs under gunicorn: the production settings and URLs, plus the bare
one-INSERT view the ballot is measured against and a response header with each request's server time.

A package, not files beside the bench scripts: `make bench` runs every bench/*.py, and these are
modules, not scripts.
"""
