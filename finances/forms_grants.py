"""Forms of the grants: sessions, applications with their budget, attachments, opinions,
decisions, payments, the bilan; Trousse à projets pay-backs, subsidies and insurance claims."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from cooperatives.models import Cooperative
from occe.core.forms import FrenchDecimalField
from occe.core.spreadsheets import clean_upload

from .models import (
    GrantApplication,
    GrantOpinion,
    GrantSession,
    InsuranceClaim,
    InsuranceClaimDocument,
    MunicipalSubsidy,
    TroussePayback,
)
from .models.grants import MAX_BUDGET_LINES, MAX_CLASSES, MAX_GRANT_AMOUNT, MAX_PUPILS
from .services.grants import budget_problem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_DOCUMENT_SIZE = 5 * 1024 * 1024
MAX_CLAIM_DOCUMENTS = 20


def amount(label: str, required: bool = True, minimum: str = "0.01") -> FrenchDecimalField:
    return FrenchDecimalField(
        label=label,
        required=required,
        min_value=Decimal(minimum),
        max_value=MAX_GRANT_AMOUNT,
    )


class CooperativeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} — {obj.name}"


class GrantSessionForm(forms.ModelForm):
    envelope = amount("Enveloppe")

    class Meta:
        model = GrantSession
        fields = ["kind", "title", "date", "deadline", "envelope"]
        widgets = {"date": DATE, "deadline": DATE}

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("deadline") and data["deadline"] > data["date"]:
            self.add_error("deadline", "La date limite de dépôt précède la commission.")
        return data


class GrantApplicationForm(forms.ModelForm):
    cooperative = CooperativeChoiceField(
        queryset=Cooperative.objects.none(), label="Coopérative", empty_label=None
    )
    session = forms.ModelChoiceField(
        queryset=GrantSession.objects.none(), label="Session de la commission", empty_label=None
    )
    amount_requested = amount("Montant demandé à l'association")
    classes = forms.IntegerField(label="Classes concernées", min_value=1, max_value=MAX_CLASSES)
    pupils = forms.IntegerField(label="Élèves concernés", min_value=0, max_value=MAX_PUPILS)
    current_balance = FrenchDecimalField(
        label="Solde actuel de la coopérative (solidarité)",
        required=False,
        min_value=Decimal("0"),
        max_value=MAX_GRANT_AMOUNT,
        help_text="Le solde bancaire du jour. Un solde négatif s'écrit 0 et s'explique dans "
        "la situation.",
    )

    class Meta:
        model = GrantApplication
        fields = [
            "cooperative",
            "session",
            "title",
            "description",
            "classes",
            "pupils",
            "start_date",
            "end_date",
            "amount_requested",
            "situation",
            "current_balance",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
            "situation": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperative"].queryset = (
            Cooperative.objects.visible_to(user).active().order_by("number")
        )
        sessions = GrantSession.objects.open_for_applications()
        if self.instance.pk:
            sessions = sessions | GrantSession.objects.filter(pk=self.instance.session_id)
        self.fields["session"].queryset = sessions.order_by("deadline")
        self.fields["session"].label_from_instance = lambda s: (
            f"{s.title} — {s.get_kind_display()}, dépôt avant le {s.deadline:%d/%m/%Y}"
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La fin du projet précède son début.")
        session = data.get("session")
        if session and session.kind == "solidarite" and not (data.get("situation") or "").strip():
            self.add_error("situation", "Décrivez la situation de la coopérative.")
        return data


class BudgetLineForm(forms.Form):
    label = forms.CharField(label="Poste", max_length=150, required=False)
    amount = amount("Montant", required=False)

    def clean(self):
        data = super().clean()
        if data.get("label") and data.get("amount") is None and "amount" not in self.errors:
            self.add_error("amount", "Indiquez le montant.")
        if data.get("amount") is not None and not data.get("label"):
            self.add_error("label", "Indiquez le poste.")
        return data


BudgetFormSet = forms.formset_factory(
    BudgetLineForm, extra=0, max_num=MAX_BUDGET_LINES, validate_max=True, absolute_max=60
)


class ApplicationEditor:
    """The application's form and its budget (expenses, other resources) as one thing to
    validate: the budget must balance, and the form says by how much it does not."""

    def __init__(self, data=None, *, user, instance=None):
        instance = instance or GrantApplication()
        self.form = GrantApplicationForm(data, instance=instance, user=user)
        initial = {"depenses": [], "recettes": []}
        if instance.pk:
            for line in instance.budget_lines.all():
                key = "depenses" if line.side == "depense" else "recettes"
                initial[key].append({"label": line.label, "amount": line.amount})
        self.expenses = self._formset(data, "depenses", initial["depenses"])
        self.resources = self._formset(data, "recettes", initial["recettes"])
        self.totals = None

    @staticmethod
    def _formset(data, prefix, initial):
        formset = BudgetFormSet(data, prefix=prefix, initial=initial or None)
        if data is None:
            # Empty rows to type into: one more than the lines already there, at least 3.
            formset.extra = max(3 - len(initial), 1)
        return formset

    @staticmethod
    def _lines(formset) -> list[tuple[str, Decimal]]:
        return [
            (form.cleaned_data["label"], form.cleaned_data["amount"])
            for form in formset
            if form.cleaned_data.get("label") and form.cleaned_data.get("amount") is not None
        ]

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), self.expenses.is_valid(), self.resources.is_valid()])
        if not valid:
            return False
        expenses = sum((a for _, a in self._lines(self.expenses)), Decimal("0"))
        resources = sum((a for _, a in self._lines(self.resources)), Decimal("0"))
        resources += self.form.cleaned_data["amount_requested"]
        self.totals = (expenses, resources)
        problem = budget_problem(expenses, resources)
        if problem:
            self.form.add_error(None, problem)
            return False
        return True

    def lines(self) -> list[tuple[str, str, Decimal]]:
        return [("depense", label, a) for label, a in self._lines(self.expenses)] + [
            ("recette", label, a) for label, a in self._lines(self.resources)
        ]


def check_document(file) -> None:
    """A PDF, JPEG or PNG by its content, not its name, of at most 5 Mo."""
    clean_upload(file)
    if file.size > MAX_DOCUMENT_SIZE:
        raise ValidationError("Le fichier dépasse 5 Mo.")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        file.seek(max(0, file.size - 2048))
        tail = file.read()
        file.seek(0)
        if b"%%EOF" in tail:
            return
    elif head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff"):
        return
    raise ValidationError("Seuls les fichiers PDF, JPEG et PNG sont acceptés.")


class GrantDocumentForm(forms.Form):
    file = forms.FileField(
        label="Pièce jointe (PDF, JPEG ou PNG, 5 Mo au plus)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        check_document(file)
        return file


class SubmitForm(forms.Form):
    engaged = forms.BooleanField(
        label="Je certifie l'exactitude de ces informations et m'engage à remettre le bilan "
        "du projet (compte rendu et dépenses réelles) à son terme.",
        required=False,
    )


class OpinionForm(forms.ModelForm):
    proposed_amount = amount("Montant proposé", required=False, minimum="0")

    class Meta:
        model = GrantOpinion
        fields = ["opinion", "proposed_amount", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Décision",
        choices=[("accordee", "Accordée"), ("refusee", "Refusée")],
        widget=forms.RadioSelect,
    )
    amount = amount("Montant accordé", required=False)
    note = forms.CharField(
        label="Note (ou motif du refus)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GrantPaymentForm(forms.Form):
    date = forms.DateField(label="Date du virement", widget=DATE)
    amount = amount("Montant")
    reference = forms.CharField(label="Référence du virement", max_length=100)


class PaymentCancelForm(forms.Form):
    """Cancel a payment recorded by mistake, or correct it: cancel it and record the right
    one (its fields are then required)."""

    CANCEL, CORRECT = "annuler", "corriger"

    action = forms.ChoiceField(
        label="Que faire ?",
        choices=[
            (CANCEL, "Annuler ce versement (il n'a pas eu lieu)"),
            (CORRECT, "Le corriger : l'annuler et enregistrer le versement exact"),
        ],
        widget=forms.RadioSelect,
        initial=CANCEL,
    )
    reason = forms.CharField(label="Motif de l'annulation", max_length=250)
    date = forms.DateField(label="Date du virement exact", widget=DATE, required=False)
    amount = amount("Montant exact", required=False)
    reference = forms.CharField(label="Référence du virement exact", max_length=100, required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == self.CORRECT:
            for name, message in (
                ("date", "Indiquez la date du virement exact."),
                ("amount", "Indiquez le montant exact."),
                ("reference", "Indiquez la référence du virement exact."),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
        return data


class ReportForm(forms.Form):
    text = forms.CharField(
        label="Bilan du projet", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    expenses = amount("Dépenses réelles", minimum="0")


class TroussePaybackForm(forms.ModelForm):
    cooperative = CooperativeChoiceField(
        queryset=Cooperative.objects.active().order_by("number"), label="Coopérative"
    )
    collected = amount("Montant collecté")
    fees = amount("Frais de la plateforme", minimum="0")
    paid_back = amount("Montant reversé", minimum="0")

    class Meta:
        model = TroussePayback
        fields = ["cooperative", "title", "collected", "fees", "paid_back", "date", "reference"]
        widgets = {"date": DATE}

    def clean(self):
        data = super().clean()
        if (
            data.get("paid_back") is not None
            and data.get("collected") is not None
            and data["paid_back"] > data["collected"]
        ):
            self.add_error("paid_back", "Le montant reversé dépasse le montant collecté.")
        return data


class InsuranceClaimFormBase(forms.ModelForm):
    cooperative = CooperativeChoiceField(
        queryset=Cooperative.objects.order_by("number"), label="Coopérative"
    )
    amount_claimed = amount("Montant réclamé", minimum="0")
    amount_paid = amount("Indemnité versée", required=False, minimum="0")

    class Meta:
        model = InsuranceClaim
        fields = [
            "cooperative",
            "event_date",
            "nature",
            "description",
            "amount_claimed",
            "status",
            "amount_paid",
        ]
        widgets = {"event_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("status") == InsuranceClaim.Status.PAID and not data.get("amount_paid"):
            self.add_error("amount_paid", "Indiquez l'indemnité versée.")
        return data


class MultipleDocumentInput(forms.FileInput):
    allow_multiple_selected = True


class ClaimDocumentsField(forms.FileField):
    """Several documents at once, each a PDF, JPEG or PNG by its content, 5 Mo at most."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleDocumentInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            if self.required:
                raise ValidationError("Choisissez au moins un fichier.")
            return []
        if len(files) > MAX_CLAIM_DOCUMENTS:
            raise ValidationError(f"Au plus {MAX_CLAIM_DOCUMENTS} pièces par sinistre.")
        errors = []
        for file in files:
            file = super().clean(file, initial)
            try:
                check_document(file)
            except ValidationError as exc:
                errors.append(f"{file.name} : {exc.messages[0]}")
        if errors:
            raise ValidationError(errors)
        return files


def claim_document_fields(required: bool) -> dict:
    return {
        "document_kind": forms.ChoiceField(
            label="Nature des pièces",
            choices=InsuranceClaimDocument.Kind.choices,
            required=required,
            initial=InsuranceClaimDocument.Kind.DECLARATION,
        ),
        "documents": ClaimDocumentsField(
            label="Pièces (déclaration, photos, factures : PDF, JPEG ou PNG, 5 Mo au plus chacune)",
            required=required,
        ),
    }


class InsuranceClaimForm(InsuranceClaimFormBase):
    """The claim, and documents to attach to it at once (optional)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(claim_document_fields(required=False))
        self.files_lost = False

    def full_clean(self):
        super().full_clean()
        # A browser never sends a file again: when the form is shown back with an error,
        # the chosen files are not kept and must be chosen again; the form says so.
        if self.is_bound and self.errors and self.files.getlist("documents"):
            self.files_lost = True


class ClaimDocumentForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(claim_document_fields(required=True))


class MunicipalSubsidyForm(forms.ModelForm):
    cooperative = CooperativeChoiceField(
        queryset=Cooperative.objects.order_by("number"), label="Coopérative"
    )
    amount = amount("Montant")

    class Meta:
        model = MunicipalSubsidy
        fields = ["cooperative", "commune", "school_year", "amount", "purpose"]


class PaybackImportForm(forms.Form):
    file = forms.FileField(
        label="Export de la Trousse à projets (.xlsx ou .csv)",
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        return clean_upload(self.cleaned_data["file"])
