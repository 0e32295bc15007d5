"""A real SMTP server for the mailing tests (aiosmtpd), started on a free port per test."""

import email
import socket
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller


class Sink:
    """Accepts everything, except the addresses listed in `refuse_once` the first time."""

    def __init__(self, refuse_once=()):
        self.refuse_once = set(refuse_once)
        self.received = Counter()  # address -> messages accepted
        self.messages = []
        self.connections = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            if address in self.refuse_once:
                self.refuse_once.discard(address)
                return "550 5.1.1 Boîte inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.connections.add(session.peer)
            for address in envelope.rcpt_tos:
                self.received[address] += 1
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp_sink):
    """This process sends through the sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    return smtp_sink
