"""The bulk loader behind ``manage.py seed_bulk``: synthetic cases and complaints at a million rows,
generated in parallel (rows.py) and streamed into PostgreSQL with COPY (copy.py, load.py)."""
