"""Registration workflows: each runs in one transaction holding the session's row lock.

Without the lock, two teachers registering at the same moment could both read "one seat left"
and both be confirmed. `select_for_update` on the session makes every registration, cancellation
and promotion of a session wait for the previous one (PostgreSQL); SQLite serialises writers.
E-mails leave after the commit, each once (see tasks.py).
"""

from django.db import transaction
from django.utils import timezone

from cooperatives.models import Cooperative

from . import tasks
from .models import Attendance, Registration, Session, SessionPart


class RegistrationError(Exception):
    """A registration refused, with the French reason shown to the user."""


def _locked(session_id: int) -> Session:
    return Session.objects.select_for_update().get(pk=session_id)


def _fill_seats(session: Session) -> list[Registration]:
    """Promote waiting people in order while seats are free; set ouverte/complète. The session
    row must be locked by the caller."""
    confirmed = session.registrations.confirmed().count()
    promoted = []
    if session.status in (Session.Status.OUVERTE, Session.Status.COMPLETE, Session.Status.CLOSE):
        free = session.capacity - confirmed
        for registration in session.registrations.waiting()[: max(free, 0)]:
            registration.status = Registration.Status.CONFIRMED
            registration.promoted_at = timezone.now()
            registration.save(update_fields=["status", "promoted_at"])
            promoted.append(registration)
            transaction.on_commit(
                lambda pk=registration.pk: tasks.send_confirmation.delay(pk, promoted=True)
            )
        confirmed += len(promoted)
    if session.status in (Session.Status.OUVERTE, Session.Status.COMPLETE):
        status = (
            Session.Status.COMPLETE if confirmed >= session.capacity else Session.Status.OUVERTE
        )
        if status != session.status:
            session.status = status
            session.save(update_fields=["status"])
    return promoted


def register(session_id: int, user, cooperative: Cooperative, by) -> Registration:
    """Register `user` (by themselves or by staff `by`): confirmed while seats remain, on the
    waiting list after."""
    with transaction.atomic():
        session = _locked(session_id)
        staff = by.pk != user.pk
        if session.status in (Session.Status.ANNULEE, Session.Status.TENUE):
            raise RegistrationError("Cette session n'accepte plus d'inscriptions.")
        if not staff and not session.accepts_registrations():
            raise RegistrationError("Les inscriptions à cette session sont closes.")
        if session.registrations.active().filter(user=user).exists():
            raise RegistrationError(f"{user} est déjà inscrit à cette session.")
        confirmed = session.registrations.confirmed().count()
        status = (
            Registration.Status.CONFIRMED
            if confirmed < session.capacity
            else Registration.Status.WAITING
        )
        registration = Registration.objects.create(
            session=session, user=user, cooperative=cooperative, status=status, registered_by=by
        )
        _fill_seats(session)
        if status == Registration.Status.CONFIRMED:
            transaction.on_commit(lambda: tasks.send_confirmation.delay(registration.pk))
    return registration


def cancel_registration(registration_id: int) -> list[Registration]:
    """Cancel a registration; a freed seat goes to the first waiting person, in the same
    transaction. Returns the promoted registrations."""
    with transaction.atomic():
        registration = Registration.objects.get(pk=registration_id)
        session = _locked(registration.session_id)
        registration.refresh_from_db()
        if registration.status == Registration.Status.CANCELLED:
            return []
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        return _fill_seats(session)


def session_saved(session_id: int) -> list[Registration]:
    """After staff changed a session (more places): fill the freed seats."""
    with transaction.atomic():
        return _fill_seats(_locked(session_id))


def set_closed(session_id: int, closed: bool) -> Session:
    """Close registrations, or reopen them."""
    with transaction.atomic():
        session = _locked(session_id)
        if closed and session.status in (Session.Status.OUVERTE, Session.Status.COMPLETE):
            session.status = Session.Status.CLOSE
            session.save(update_fields=["status"])
        elif not closed and session.status == Session.Status.CLOSE:
            session.status = Session.Status.OUVERTE
            session.save(update_fields=["status"])
            _fill_seats(session)
    return session


def cancel_session(session_id: int, reason: str) -> Session:
    """Cancel a session; every registrant is told, with the reason and the other sessions."""
    with transaction.atomic():
        session = _locked(session_id)
        if session.status in (Session.Status.ANNULEE, Session.Status.TENUE):
            raise RegistrationError("Cette session ne peut plus être annulée.")
        session.status = Session.Status.ANNULEE
        session.cancelled_at = timezone.now()
        session.cancellation_reason = reason
        session.save(update_fields=["status", "cancelled_at", "cancellation_reason"])
        transaction.on_commit(lambda: tasks.send_session_cancellation.delay(session.pk))
    return session


def record_attendance(part: SessionPart, registration: Registration, present: bool, by) -> None:
    """Present/absent at one part; a session with recorded attendance has been held."""
    with transaction.atomic():
        Attendance.objects.update_or_create(
            registration=registration,
            part=part,
            defaults={"present": present, "recorded_by": by},
        )
        Session.objects.filter(pk=part.session_id).exclude(
            status__in=[Session.Status.TENUE, Session.Status.ANNULEE]
        ).update(status=Session.Status.TENUE)


def request_certificates(session_id: int) -> None:
    with transaction.atomic():
        Session.objects.filter(pk=session_id).update(certificates_requested_at=timezone.now())
        transaction.on_commit(lambda: tasks.send_certificates.delay(session_id))
