"""Who may do what, by role: the predicates used by the view decorators and the navigation.

Each takes a user (possibly anonymous) and answers a question; views and menus ask these,
never compare roles themselves. Rules about one object (may this user edit this request?) are
model methods (`can_be_edited_by(user)`), built on these predicates and on scoped querysets.
"""


def is_authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


def is_secretariat(user) -> bool:
    return is_authenticated(user) and user.is_secretariat


def is_animation(user) -> bool:
    return is_authenticated(user) and user.is_animation


def is_staff_member(user) -> bool:
    """Employees of the association (secretariat, animation)."""
    return is_authenticated(user) and user.is_staff_member


def is_board_member(user) -> bool:
    return is_authenticated(user) and user.is_board_member


def sees_everything(user) -> bool:
    """Staff and board read every cooperative of the department."""
    return is_authenticated(user) and user.sees_everything


def is_mandataire(user) -> bool:
    return is_authenticated(user) and user.is_mandataire


def is_enseignant(user) -> bool:
    return is_authenticated(user) and user.role == "enseignant"


def sees_cooperatives(user) -> bool:
    """Staff, board and mandataires (their own coops) reach the cooperatives pages."""
    return sees_everything(user) or is_mandataire(user)


def sees_receipts(user) -> bool:
    """Staff, board and mandataires (their own coops' requests) reach the receipts pages."""
    return sees_everything(user) or is_mandataire(user)


def requests_receipts(user) -> bool:
    """Who starts a request for receipts: a coop's mandataire, or the secretariat for it."""
    return is_secretariat(user) or is_mandataire(user)


def sees_grants(user) -> bool:
    """Staff, board and mandataires (their own coops' applications) reach the grants and CRFS
    pages."""
    return sees_everything(user) or is_mandataire(user)


def manages_grant_sessions(user) -> bool:
    """Who opens and advances the grants commission's sessions: the secretariat and the board."""
    return is_secretariat(user) or is_board_member(user)


def sees_loans(user) -> bool:
    """Staff, board and mandataires (their own coops' ones) reach reservations and orders."""
    return sees_everything(user) or is_mandataire(user)


def places_orders(user) -> bool:
    """Who orders products for a coop: its mandataire, or the secretariat for it."""
    return is_secretariat(user) or is_mandataire(user)


def is_teacher(user) -> bool:
    """Anyone who may register to trainings and actions: teachers and mandataires."""
    return is_enseignant(user) or is_mandataire(user)


def is_president(user) -> bool:
    """The president: the board member in whose name receipts are issued (or a superuser)."""
    return is_authenticated(user) and (
        user.is_superuser or (user.is_board_member and user.is_signataire)
    )


def handles_personal_data(user) -> bool:
    """Who answers a person's requests about their data: the secretariat and the president."""
    return is_secretariat(user) or is_president(user)
