from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class OutboxBackend(ConsoleBackend):
    """Development only: prints e-mails to the console and keeps a copy in the database (the
    superusers' outbox page). Messages carry password-reset links, so production refuses it."""

    def __init__(self, *args, **kwargs):
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured(
                "La boîte d'envoi de développement ne sert pas en production : définissez "
                "EMAIL_HOST (SMTP)."
            )
        super().__init__(*args, **kwargs)

    def send_messages(self, email_messages):
        from .models import OutboxEmail

        OutboxEmail.objects.bulk_create(
            OutboxEmail(
                to=", ".join(message.to),
                subject=message.subject[:255],
                body=message.body,
                attachments=", ".join(
                    a[0] if isinstance(a, tuple) else getattr(a, "filename", "pièce jointe")
                    for a in message.attachments
                ),
            )
            for message in email_messages
        )
        return super().send_messages(email_messages)
