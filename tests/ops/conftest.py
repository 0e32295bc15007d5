import socket

# The receipts' fixtures: an association able to issue receipts, a secretary.
from tests.finances.conftest import association, secretary  # noqa: F401


def free_port() -> int:
    """A port nothing listens on (once the probe is closed): for a server of the test's own, or
    for a broker that does not answer."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
