"""Mailings: one message to many recipients, sent in the background in batches, once each.

A mailing is a subject, a body and a list of recipients, each with a status. An app makes its
own pair of concrete models from the two abstract ones below (the newsletter is the first user:
occe/association/models.py; affiliation and CRFS reminders are meant to be the next), writes
`build_message`, fills the recipients and calls `start()`:

    class Reminder(Mailing):
        def build_message(self, recipient) -> EmailMessage: ...

    class ReminderRecipient(Recipient):
        mailing = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="recipients")

No table lives here (abstract models): each app keeps its mailings with its own data, and this
module imports no feature app.

How sending works (task `send_mailing_batch`):
- one batch of MAILING_BATCH_SIZE recipients over one SMTP connection, at most
  MAILING_RATE_PER_MINUTE messages a minute, then the next batch is queued;
- each recipient row is claimed by a conditional UPDATE (pending -> sending) just before its
  message goes out, and (mailing, email) is unique: a task run twice, or two workers, never send
  one address twice;
- one batch of a mailing at a time: a lease on the mailing row (token + expiry), renewed at each
  message and handed to the next batch;
- a worker killed mid-send leaves at most one row "sending": the next batch marks it
  "incertain" (the server may have received it) and never sends it again by itself;
- `resume_mailings` (Celery beat, every minute) restarts a mailing whose lease has expired.
"""

import datetime
import logging
import smtplib
import time
import uuid
from collections.abc import Iterable

from celery import shared_task
from django.apps import apps
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import OperationalError, models, transaction
from django.db.models import Count, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 30  # seconds; a hung server must not hold a batch (and its lease) for ever
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError)


class Mailing(models.Model):
    class Status(models.TextChoices):
        DRAFT = "brouillon", "Brouillon"
        SENDING = "envoi", "Envoi en cours"
        DONE = "envoyee", "Envoyée"

    subject = models.CharField("objet", max_length=200)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    started_at = models.DateTimeField("envoi commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("envoi terminé le", null=True, blank=True)
    # Progress, recomputed from the recipients' statuses after each batch (one row to poll).
    total = models.PositiveIntegerField("destinataires", default=0)
    sent = models.PositiveIntegerField("envoyés", default=0)
    failed = models.PositiveIntegerField("échecs", default=0)
    uncertain = models.PositiveIntegerField("incertains", default=0)
    last_error = models.CharField("dernière erreur du serveur", max_length=500, blank=True)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    # What the concrete mailing says to one recipient.
    def build_message(self, recipient: "Recipient") -> EmailMessage:
        raise NotImplementedError

    @classmethod
    def label(cls) -> str:
        return cls._meta.label_lower

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_sending(self) -> bool:
        return self.status == self.Status.SENDING

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.uncertain

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    def add_recipients(self, people: Iterable[tuple[str, str]]) -> int:
        """Add (email, name) pairs; an address already there (any case) is skipped."""
        model = self.recipients.model
        seen, rows = set(), []
        for email, name in people:
            email = (email or "").strip().lower()
            if email and email not in seen:
                seen.add(email)
                rows.append(model(mailing=self, email=email, name=(name or "")[:200]))
        model.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        self.refresh_counts()
        return self.total

    def refresh_counts(self) -> None:
        statuses = Recipient.Status
        counts = self.recipients.aggregate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(status=statuses.SENT)),
            failed=Count("pk", filter=Q(status=statuses.FAILED)),
            uncertain=Count("pk", filter=Q(status=statuses.UNCERTAIN)),
        )
        type(self).objects.filter(pk=self.pk).update(**counts)
        for name, value in counts.items():
            setattr(self, name, value)

    def start(self) -> bool:
        """Draft -> sending, once (a double click starts nothing more); the first batch is
        queued when the transaction commits."""
        started = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.DRAFT)
            .update(status=self.Status.SENDING, started_at=timezone.now())
        )
        if started:
            self.refresh_from_db()
            send_mailing_batch.delay_on_commit(self.label(), self.pk)
        return bool(started)

    def retry_failures(self) -> int:
        """Put the failed recipients back in the queue (never the sent nor the uncertain)."""
        count = self.recipients.filter(status=Recipient.Status.FAILED).update(
            status=Recipient.Status.PENDING, error=""
        )
        if count:
            type(self).objects.filter(pk=self.pk).update(
                status=self.Status.SENDING, finished_at=None, last_error=""
            )
            self.refresh_from_db()
            self.refresh_counts()
            send_mailing_batch.delay_on_commit(self.label(), self.pk)
        return count


class Recipient(models.Model):
    class Status(models.TextChoices):
        PENDING = "attente", "En attente"
        SENDING = "envoi", "Envoi en cours"
        SENT = "envoye", "Envoyé"
        FAILED = "echec", "Échec"
        UNCERTAIN = "incertain", "Incertain (envoi interrompu)"

    email = models.EmailField("adresse électronique")
    name = models.CharField("nom", max_length=200, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=Status.choices, default=Status.PENDING
    )
    error = models.CharField("motif de l'échec", max_length=500, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["pk"]
        constraints = [
            # Never twice to one address for one mailing, whatever the code above does.
            models.UniqueConstraint(
                fields=["mailing", "email"], name="%(app_label)s_%(class)s_once_per_address"
            )
        ]

    def __str__(self):
        return self.email


def mailing_models() -> list[type[Mailing]]:
    return [model for model in apps.get_models() if issubclass(model, Mailing)]


def _same_queue(task) -> dict:
    """The queue the running task came from, so its follow-ups stay on it (eager: default)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


# A busy database (SQLite's lock, a PostgreSQL restart) is worth a few retries; the retry
# carries the same lease token, so it takes over its own batch.
@shared_task(
    bind=True, acks_late=True, autoretry_for=(OperationalError,), max_retries=5, retry_backoff=True
)
def send_mailing_batch(self, model_label: str, mailing_id: int, token: str = "") -> int:
    """Send one batch of a mailing and queue the next; returns the messages sent."""
    return send_batch(apps.get_model(model_label), mailing_id, token, _same_queue(self))


@shared_task(bind=True)
def resume_mailings(self) -> int:
    """Restart the mailings whose batches stopped (a worker died, the queue was lost)."""
    resumed = 0
    for model in mailing_models():
        stalled = model.objects.filter(status=Mailing.Status.SENDING).filter(_lease_free())
        for pk in stalled.values_list("pk", flat=True):
            send_mailing_batch.apply_async((model.label(), pk), **_same_queue(self))
            resumed += 1
    return resumed


@shared_task(autoretry_for=CONNECTION_ERRORS, max_retries=3, retry_backoff=True)
def send_test_message(model_label: str, mailing_id: int, email: str, name: str = "") -> None:
    """The mailing as one recipient would get it, to `email` only, its subject marked TEST."""
    mailing = apps.get_model(model_label).objects.get(pk=mailing_id)
    recipient = mailing.recipients.model(mailing=mailing, email=email, name=name)
    message = mailing.build_message(recipient)
    message.subject = f"[TEST] {message.subject}"
    message.send()


def _lease_free() -> Q:
    return Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())


def _lease_seconds() -> int:
    return settings.MAILING_LEASE_SECONDS


def _acquire_lease(model, mailing_id: int, token: str) -> str | None:
    """The batch may run if the lease is free (expired) or was handed to it (`token`)."""
    mine = Q(lease_token=token) if token else Q(pk__in=[])
    new_token = token or uuid.uuid4().hex
    acquired = (
        model.objects.filter(pk=mailing_id, status=Mailing.Status.SENDING)
        .filter(_lease_free() | mine)
        .update(
            lease_token=new_token,
            lease_until=timezone.now() + datetime.timedelta(seconds=_lease_seconds()),
        )
    )
    return new_token if acquired else None


def _renew_lease(model, mailing_id: int, token: str) -> bool:
    return bool(
        model.objects.filter(pk=mailing_id, lease_token=token).update(
            lease_until=timezone.now() + datetime.timedelta(seconds=_lease_seconds())
        )
    )


class ConnectionLost(Exception):
    pass


def send_batch(model, mailing_id: int, token: str = "", options: dict | None = None) -> int:
    token = _acquire_lease(model, mailing_id, token)
    if token is None:
        return 0  # another batch holds the lease, or the mailing is not being sent
    mailing = model.objects.get(pk=mailing_id)
    statuses = Recipient.Status
    # Only the lease holder claims rows: one left "sending" belongs to a batch that died
    # after claiming it. Its message may have left; sending it again could make a duplicate.
    mailing.recipients.filter(status=statuses.SENDING).update(
        status=statuses.UNCERTAIN,
        error="Envoi interrompu : le message a pu partir, il n'est pas renvoyé.",
    )
    pending = list(
        mailing.recipients.filter(status=statuses.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.MAILING_BATCH_SIZE]
    )
    sent, lost = 0, False
    if pending:
        try:
            sent = _send_pending(mailing, pending, token)
        except ConnectionLost as exc:
            model.objects.filter(pk=mailing_id).update(last_error=str(exc)[:500])
            lost = True
        else:
            model.objects.filter(pk=mailing_id).update(last_error="")
    mailing.refresh_counts()
    if lost:
        # The server is unwell: no next batch now; `resume_mailings` restarts the mailing
        # once this short lease expires.
        model.objects.filter(pk=mailing_id, lease_token=token).update(
            lease_token="", lease_until=timezone.now() + datetime.timedelta(seconds=SMTP_TIMEOUT)
        )
    elif mailing.recipients.filter(status=statuses.PENDING).exists():
        # Handed over: the next batch holds the lease until it expires.
        if _renew_lease(model, mailing_id, token):
            send_mailing_batch.apply_async((model.label(), mailing_id, token), **(options or {}))
    else:
        model.objects.filter(pk=mailing_id, lease_token=token).update(
            status=Mailing.Status.DONE, finished_at=timezone.now(), lease_token="", lease_until=None
        )
    return sent


def _send_pending(mailing: Mailing, pending: list[int], token: str) -> int:
    model = type(mailing)
    try:
        connection = get_connection(timeout=SMTP_TIMEOUT)
        connection.open()  # one SMTP session for the batch; nothing is claimed if it fails
    except CONNECTION_ERRORS + (smtplib.SMTPException,) as exc:
        raise ConnectionLost(f"Serveur de courriel injoignable : {exc}") from exc
    # The bounded rate protects a real mail server; the console and test backends have none.
    interval = 60 / settings.MAILING_RATE_PER_MINUTE if isinstance(connection, SMTPBackend) else 0
    # A later batch waits one interval before its first message too, so the rate holds across
    # batches.
    earlier = interval and mailing.recipients.filter(status=Recipient.Status.SENT).exists()
    sent, last = 0, (time.monotonic() if earlier else 0.0)
    try:
        for pk in pending:
            if not _renew_lease(model, mailing.pk, token):
                break  # a newer batch took over (this one was too slow): leave it the rest
            wait = last + interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            last = time.monotonic()
            sent += _send_one(mailing, pk, connection)
    finally:
        try:
            connection.close()
        except CONNECTION_ERRORS + (smtplib.SMTPException,):
            pass
    return sent


def _send_one(mailing: Mailing, pk: int, connection) -> int:
    recipients = mailing.recipients.model.objects
    statuses = Recipient.Status
    # The claim: committed before the message leaves, so a second run skips this row.
    with transaction.atomic():
        claimed = recipients.filter(pk=pk, status=statuses.PENDING).update(
            status=statuses.SENDING, claimed_at=timezone.now()
        )
    if not claimed:
        return 0
    recipient = recipients.get(pk=pk)
    try:
        message = mailing.build_message(recipient)
        message.connection = connection
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = [_smtp_reason(code, text) for code, text in exc.recipients.values()]
        _fail(recipients, pk, f"Adresse refusée par le serveur : {'; '.join(reasons)}")
    except smtplib.SMTPResponseException as exc:
        _fail(
            recipients, pk, f"Refusé par le serveur : {_smtp_reason(exc.smtp_code, exc.smtp_error)}"
        )
    except CONNECTION_ERRORS as exc:
        # Cut before the server's acceptance: not delivered; the batch stops here.
        _fail(recipients, pk, f"Connexion au serveur interrompue : {exc}")
        raise ConnectionLost(f"Connexion au serveur interrompue : {exc}") from exc
    except smtplib.SMTPException as exc:
        _fail(recipients, pk, f"Refusé par le serveur : {exc}")
    except Exception as exc:
        logger.exception("Mailing %s: message to recipient %s not built", mailing.pk, pk)
        _fail(recipients, pk, f"Message impossible à préparer : {exc}")
    else:
        recipients.filter(pk=pk).update(status=statuses.SENT, sent_at=timezone.now(), error="")
        return 1
    return 0


def _fail(recipients, pk: int, reason: str) -> None:
    recipients.filter(pk=pk).update(status=Recipient.Status.FAILED, error=reason[:500])


def _smtp_reason(code, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()
