"""The association's own life: board and staff, meetings, working groups, partners, and the
newsletters it sends to the cooperatives (a mailing of occe/core/mailings.py).

Staff and board read everything here; the secretariat writes (staff for partners and working
groups). Newsletters, once sent, are readable by every logged-in user (the archive).
"""

import datetime
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from occe.accounts import rules
from occe.core.mailings import Mailing, Recipient
from occe.core.models import Association, SchoolYear, private_upload_path

MAX_CONTRIBUTION = Decimal("1000000")
NEWSLETTER_MAX_LENGTH = 100_000


def reference_date(year: SchoolYear) -> datetime.date:
    """The day a year's head counts are taken: its last day, or today while it runs."""
    today = timezone.localdate()
    return max(year.start_date, min(year.end_date, today))


def year_bounds(year: SchoolYear) -> tuple[datetime.datetime, datetime.datetime]:
    """A school year as [start, end) in local time, for date-time fields."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(year.start_date, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        year.end_date + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return start, end


class Level(models.TextChoices):
    DEPARTEMENTAL = "departemental", "Départemental"
    REGIONAL = "regional", "Régional"
    NATIONAL = "national", "National"


class ReadByStaffAndBoard(models.QuerySet):
    """Staff and board read the association's records; nobody else sees them (404). The
    secretariat writes them, unless a subclass names other `writers`."""

    # Who writes these records: a role predicate of occe/accounts/rules.py.
    writers = staticmethod(rules.is_secretariat)

    def visible_to(self, user):
        if user.is_authenticated and user.sees_everything:
            return self
        return self.none()

    def editable_by(self, user):
        """Mirrors `can_be_edited_by`: every record for its writers, none for the others."""
        return self if self.writers(user) else self.none()


class WrittenByRole:
    """`can_be_edited_by(user)` of a model whose queryset says who writes it (`writers`)."""

    def can_be_edited_by(self, user) -> bool:
        return type(self).objects.none().writers(user)


# People ------------------------------------------------------------------------------------


class Person(WrittenByRole, models.Model):
    """A board member, an employee or a representative; an account is optional."""

    class EducationStatus(models.TextChoices):
        NONE = "", "Hors Éducation nationale"
        ACTIVE = "actif", "En activité à l'Éducation nationale"
        RETIRED = "retraite", "Retraité(e) de l'Éducation nationale"

    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    education_status = models.CharField(
        "Éducation nationale",
        max_length=10,
        choices=EducationStatus.choices,
        blank=True,
        default="",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="association_person",
        verbose_name="compte dans l'application",
    )

    objects = ReadByStaffAndBoard.as_manager()

    class Meta:
        verbose_name = "personne"
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def contact_email(self) -> str:
        return self.email or (self.user.email if self.user_id else "")


class DatedQuerySet(ReadByStaffAndBoard):
    def in_office(self, on: datetime.date):
        return self.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


def _dated_constraints(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            name=f"{prefix}_ends_after_start",
            violation_error_message="La fin précède le début.",
        ),
        models.CheckConstraint(
            condition=Q(start_date__gte=datetime.date(1945, 1, 1)),
            name=f"{prefix}_start_realistic",
            violation_error_message="La date de début n'est pas réaliste.",
        ),
    ]


class BoardMandate(models.Model):
    """A seat on the conseil d'administration, with the bureau role held, if any."""

    class BureauRole(models.TextChoices):
        NONE = "", "Administrateur (hors bureau)"
        PRESIDENT = "president", "Président(e)"
        VICE_PRESIDENT = "vice_president", "Vice-président(e)"
        TRESORIER = "tresorier", "Trésorier(ère)"
        TRESORIER_ADJOINT = "tresorier_adjoint", "Trésorier(ère) adjoint(e)"
        SECRETAIRE = "secretaire", "Secrétaire"
        SECRETAIRE_ADJOINT = "secretaire_adjoint", "Secrétaire adjoint(e)"
        MEMBRE = "membre", "Membre du bureau"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="board_mandates", verbose_name="personne"
    )
    start_date = models.DateField("élu(e) le")
    end_date = models.DateField("fin du mandat", null=True, blank=True)
    bureau_role = models.CharField(
        "rôle au bureau", max_length=20, choices=BureauRole.choices, blank=True, default=""
    )

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = "mandat d'administrateur"
        ordering = ["-start_date"]
        constraints = _dated_constraints("board_mandate")

    def __str__(self):
        return f"{self.person} — {self.get_bureau_role_display()}"

    @property
    def is_bureau(self) -> bool:
        return bool(self.bureau_role)


class StaffPosition(models.Model):
    class Function(models.TextChoices):
        SECRETARIAT = "secretariat", "Secrétaire administrative"
        ANIMATION = "animation", "Animatrice ou animateur pédagogique"
        DIRECTION = "direction", "Direction"
        COMPTABILITE = "comptabilite", "Comptabilité"
        AUTRE = "autre", "Autre fonction"

    class Employer(models.TextChoices):
        ASSOCIATION = "association", "Association départementale"
        FEDERATION = "federation", "Fédération nationale de l'OCCE"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="staff_positions", verbose_name="personne"
    )
    function = models.CharField("fonction", max_length=20, choices=Function.choices)
    employer = models.CharField("employeur", max_length=20, choices=Employer.choices)
    detached = models.BooleanField(
        "détaché(e) de l'Éducation nationale",
        default=False,
        help_text="Enseignant(e) détaché(e), salarié(e) de son employeur.",
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = "poste salarié"
        ordering = ["function", "-start_date"]
        constraints = _dated_constraints("staff_position")

    def __str__(self):
        return f"{self.person} — {self.get_function_display()}"


class Representation(models.Model):
    """A seat held for the association in a regional or national body."""

    LEVELS = [(Level.REGIONAL, Level.REGIONAL.label), (Level.NATIONAL, Level.NATIONAL.label)]

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="representations", verbose_name="personne"
    )
    level = models.CharField("niveau", max_length=15, choices=LEVELS)
    body = models.CharField("instance", max_length=200)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = DatedQuerySet.as_manager()

    class Meta:
        verbose_name = "représentation"
        ordering = ["level", "body"]
        constraints = _dated_constraints("representation")

    def __str__(self):
        return f"{self.person} — {self.body}"


# Meetings ----------------------------------------------------------------------------------


class MeetingQuerySet(ReadByStaffAndBoard):
    def in_year(self, year: SchoolYear):
        start, end = year_bounds(year)
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def held(self):
        return self.filter(starts_at__lte=timezone.now())


class Meeting(WrittenByRole, models.Model):
    class Kind(models.TextChoices):
        # The values are the report's keys (`reunions.<niveau>.<type>`): never rename them.
        AG = "ag", "Assemblée générale"
        CA = "ca", "Conseil d'administration"
        BUREAU = "bureau", "Bureau"
        COMMISSION_AAP = "commission_aap", "Commission des aides à projets (AAP)"
        COMMISSION_STATUTS = "commission_statuts", "Commission des statuts"
        COMMISSION_AIDE_AD = (
            "commission_aide_ad",
            "Commission d'aide aux associations départementales",
        )
        INSTANCE_REGIONALE = "instance_regionale", "Instance régionale"
        REUNION_ANIMATEURS = "reunion_animateurs", "Réunion des animateurs"
        AUTRE = "autre", "Autre réunion"

    level = models.CharField("niveau", max_length=15, choices=Level.choices)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    title = models.CharField(
        "intitulé", max_length=200, blank=True, help_text="Facultatif : le type sert d'intitulé."
    )
    starts_at = models.DateTimeField("date et heure")
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=120)
    place = models.CharField("lieu", max_length=250, blank=True)
    visio_url = models.URLField("lien de visioconférence", blank=True)
    agenda = models.TextField("ordre du jour", blank=True, max_length=5000)
    attendees = models.ManyToManyField(
        Person,
        through="Attendance",
        related_name="meetings",
        blank=True,
        verbose_name="participants",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "réunion"
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(visio_url=""),
                name="meeting_place_or_visio",
                violation_error_message="Indiquez un lieu ou un lien de visioconférence.",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=720),
                name="meeting_duration_bounds",
                violation_error_message="La durée va de 15 minutes à 12 heures.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("association:meeting_detail", args=[self.pk])

    @property
    def name(self) -> str:
        return self.title or f"{self.get_kind_display()} ({self.get_level_display().lower()})"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def where(self) -> str:
        return self.place or "Visioconférence"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="attendances")
    # Set when this person's convocation is claimed for sending: each is convoked once.
    convoked_at = models.DateTimeField("convoqué(e) le", null=True, blank=True)

    class Meta:
        verbose_name = "participation"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_attendance_per_person")
        ]

    def __str__(self):
        return f"{self.person} — {self.meeting}"


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField("décision", max_length=500)

    class Meta:
        verbose_name = "décision"
        ordering = ["pk"]

    def __str__(self):
        return self.text


class MeetingDocument(models.Model):
    class Kind(models.TextChoices):
        CONVOCATION = "convocation", "Convocation"
        COMPTE_RENDU = "compte_rendu", "Compte rendu"
        AUTRE = "autre", "Autre document"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("document", max_length=15, choices=Kind.choices)
    # Private: MEDIA_URL has no public route; served by a view to staff and board only.
    file = models.FileField("fichier PDF", upload_to=private_upload_path)
    original_name = models.CharField("nom du fichier", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    objects = ReadByStaffAndBoard.as_manager()

    class Meta:
        verbose_name = "document de réunion"
        ordering = ["kind", "uploaded_at"]

    def __str__(self):
        return self.original_name


class WorkingGroupQuerySet(DatedQuerySet):
    # The animators lead working groups too.
    writers = staticmethod(rules.is_staff_member)


class WorkingGroup(WrittenByRole, models.Model):
    """A chantier: a working group of the association or of the federation."""

    title = models.CharField("intitulé", max_length=200)
    level = models.CharField("niveau", max_length=15, choices=Level.choices)
    description = models.TextField("description", blank=True, max_length=5000)
    participants = models.ManyToManyField(
        Person, related_name="working_groups", blank=True, verbose_name="participants"
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = WorkingGroupQuerySet.as_manager()

    class Meta:
        verbose_name = "chantier"
        ordering = ["-start_date", "title"]
        constraints = _dated_constraints("working_group")

    def __str__(self):
        return self.title


def active_in(queryset, year: SchoolYear):
    """Rows of a dated queryset that overlap the school year."""
    return queryset.filter(start_date__lte=year.end_date).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=year.start_date)
    )


# Partners ----------------------------------------------------------------------------------


class PartnerQuerySet(ReadByStaffAndBoard):
    # The animators work with the partners of the actions.
    writers = staticmethod(rules.is_staff_member)


class Partner(WrittenByRole, models.Model):
    class Kind(models.TextChoices):
        PEDAGOGIQUE = "pedagogique", "Pédagogique"
        CULTUREL = "culturel", "Culturel"
        JURIDIQUE_FINANCIER = "juridique_financier", "Juridique et financier"
        COMMUNE = "commune", "Commune"
        FEDERATION = "federation", "Fédération"

    name = models.CharField("nom", max_length=200, unique=True)
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    contact_name = models.CharField("contact", max_length=150, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    website = models.URLField("site", blank=True)
    # TODO(lead): link to the actions and formations apps once merged; free text until then.
    involvement = models.CharField(
        "actions et formations",
        max_length=500,
        blank=True,
        help_text="Séparées par des virgules, par exemple « THEA, Les Écoles qui filment ».",
    )
    notes = models.TextField("notes", blank=True, max_length=5000)
    active = models.BooleanField("partenariat en cours", default=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire"
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("association:partner_detail", args=[self.pk])

    @property
    def involvement_tags(self) -> list[str]:
        return [tag.strip() for tag in self.involvement.split(",") if tag.strip()]


class Contribution(models.Model):
    """Money a partner gives for a school year (the actions' budgets will reference these)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="contributions", verbose_name="partenaire"
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="année scolaire"
    )
    amount = models.DecimalField("montant", max_digits=10, decimal_places=2)
    purpose = models.CharField("objet", max_length=250)

    class Meta:
        verbose_name = "contribution financière"
        ordering = ["-school_year__start_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=MAX_CONTRIBUTION),
                name="contribution_amount_bounds",
                violation_error_message="Le montant va de 0,01 € à 1 000 000 €.",
            )
        ]

    def __str__(self):
        return f"{self.partner} {self.school_year} : {self.amount} €"


# Flyers ------------------------------------------------------------------------------------


class FlyerQuerySet(ReadByStaffAndBoard):
    # The animators make the actions' flyers.
    writers = staticmethod(rules.is_staff_member)


class Flyer(WrittenByRole, models.Model):
    """A flyer the association made (on a departmental action, a training…) and gave out to
    the circonscriptions or at the communes' forums: « Communication » in the annual report
    counts those of the year (`communication.flyers`)."""

    title = models.CharField("titre", max_length=200)
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name="année scolaire"
    )
    subject = models.CharField(
        "sujet", max_length=200, blank=True, help_text="L'action ou la formation présentée."
    )
    copies = models.PositiveIntegerField("exemplaires imprimés", null=True, blank=True)
    distribution = models.CharField(
        "diffusion",
        max_length=300,
        blank=True,
        help_text="Par exemple « circonscriptions, forum des associations de Bagneux ».",
    )

    objects = FlyerQuerySet.as_manager()

    class Meta:
        verbose_name = "flyer"
        ordering = ["-school_year__start_year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(copies__isnull=True) | Q(copies__lte=1_000_000),
                name="flyer_copies_bounds",
                violation_error_message="Un tirage va jusqu'à 1 000 000 d'exemplaires.",
            )
        ]

    def __str__(self):
        return f"{self.title} ({self.school_year})"


# Newsletters -------------------------------------------------------------------------------


class NewsletterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff and board see drafts too; everyone else the archive of what was sent."""
        if not user.is_authenticated:
            return self.none()
        if user.sees_everything:
            return self
        return self.exclude(status=Mailing.Status.DRAFT)

    def editable_by(self, user):
        """Mirrors `Newsletter.can_be_edited_by`: the secretariat's drafts."""
        if not rules.is_secretariat(user):
            return self.none()
        return self.filter(status=Mailing.Status.DRAFT)

    def sent(self):
        return self.exclude(status=Mailing.Status.DRAFT)

    def sending(self):
        return self.filter(status=Mailing.Status.SENDING)


class Newsletter(Mailing):
    """A lettre d'information to the cooperatives, written in Markdown."""

    body = models.TextField("texte", max_length=NEWSLETTER_MAX_LENGTH)
    school_year = models.ForeignKey(
        SchoolYear,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="année scolaire",
    )
    audience = models.JSONField("destinataires choisis", default=dict, blank=True)
    audience_label = models.CharField("destinataires", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="rédigée par",
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = NewsletterQuerySet.as_manager()

    class Meta:
        verbose_name = "lettre d'information"
        verbose_name_plural = "lettres d'information"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), NEWSLETTER_MAX_LENGTH),
                name="newsletter_body_length",
                violation_error_message="Le texte dépasse 100 000 caractères.",
            )
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("association:newsletter_detail", args=[self.pk])

    def can_be_edited_by(self, user) -> bool:
        return rules.is_secretariat(user) and self.is_draft

    @cached_property
    def web_url(self) -> str:
        return settings.SITE_URL + self.get_absolute_url()

    @cached_property
    def rendered(self) -> dict:
        """The e-mail's two parts, built once per batch (the same for every recipient)."""
        from .markdown import to_html, to_text

        context = {
            "newsletter": self,
            "association": Association.get(),
            "html_body": to_html(self.body, absolute=True),
            "text_body": to_text(self.body),
            "web_url": self.web_url,
        }
        return {
            "text": render_to_string("association/email/newsletter.txt", context),
            "html": render_to_string("association/email/newsletter.html", context),
            "prefix": context["association"].short_name,
        }

    def build_message(self, recipient) -> EmailMultiAlternatives:
        rendered = self.rendered
        message = EmailMultiAlternatives(
            f"{rendered['prefix']} — {self.subject}", rendered["text"], to=[recipient.email]
        )
        message.attach_alternative(rendered["html"], "text/html")
        return message


class NewsletterRecipient(Recipient):
    mailing = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="recipients")

    class Meta(Recipient.Meta):
        verbose_name = "destinataire"


def _image_token() -> str:
    return secrets.token_urlsafe(24)


class NewsletterImage(models.Model):
    """An image of a newsletter. Stored privately, served by an unguessable address (e-mails
    show it to recipients who are not logged in)."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="images")
    file = models.FileField("image", upload_to=private_upload_path)
    token = models.CharField(max_length=40, unique=True, default=_image_token, editable=False)
    content_type = models.CharField(max_length=30)
    alt = models.CharField("description de l'image", max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "image de lettre d'information"
        ordering = ["pk"]

    def __str__(self):
        return self.alt

    @property
    def url(self) -> str:
        return reverse("association:newsletter_image", args=[self.token])

    @property
    def markdown(self) -> str:
        return f"![{self.alt}]({self.url})"
