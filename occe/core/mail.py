from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class OutboxBackend(ConsoleBackend):
    """Prints e-mails to the console and keeps a copy in the database (the staff's outbox page)."""

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
