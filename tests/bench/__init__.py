"""Benchmarks (`make bench`): one module per app measured, the command that runs them on a
throwaway database, and the helper that starts a real Celery worker (also used by the tests)."""
