"""Alembic migrations of the case store (run by ``domain.store.migrate``, no alembic.ini)."""
