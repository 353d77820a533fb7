"""``make bench``: seed a large district, serve it with gunicorn, measure (see docs/performance.md)."""
