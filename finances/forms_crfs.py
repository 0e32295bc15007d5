"""Forms of the CRFS (annual financial report) and of the board's controls."""

from decimal import Decimal

from django import forms
from PIL import Image, UnidentifiedImageError

from occe.accounts.models import Role, User
from occe.core.forms import FrenchDecimalField
from occe.core.spreadsheets import clean_upload

from .models.controls import CHECKLIST, MAX_ASSIGNED, REASON_FIELDS, Control, ControlAction
from .models.crfs import (
    MAX_CRFS_AMOUNT,
    MIN_CRFS_BALANCE,
    Crfs,
    CrfsCategory,
    CrfsLine,
    Format,
    Kind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STATEMENT_MAX_SIZE = 5 * 1024 * 1024
STATEMENT_ACCEPT = "application/pdf,.pdf,image/jpeg,image/png"


def check_statement(file) -> None:
    """A bank statement: a PDF or a JPEG/PNG image by its content (not its name), 5 Mo at most."""
    clean_upload(file)
    if file.size > STATEMENT_MAX_SIZE:
        raise forms.ValidationError("Le relevé dépasse 5 Mo.")
    file.seek(0)
    head = file.read(1024)
    file.seek(max(0, file.size - 2048))
    tail = file.read()
    file.seek(0)
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in tail:
            raise forms.ValidationError("Le PDF du relevé est incomplet ou endommagé.")
        return
    try:
        with Image.open(file) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise forms.ValidationError(
            "Le relevé doit être un PDF ou une image (JPEG, PNG)."
        ) from None
    finally:
        file.seek(0)
    if kind not in ("JPEG", "PNG"):
        raise forms.ValidationError("Le relevé doit être un PDF ou une image (JPEG, PNG).")


def amount_field(label: str, required: bool = True) -> FrenchDecimalField:
    return FrenchDecimalField(
        label=label, required=required, min_value=Decimal("0"), max_value=MAX_CRFS_AMOUNT
    )


def balance_field(label: str) -> FrenchDecimalField:
    """A balance: negative (-1 234,56 or −1 234,56) when the account is overdrawn."""
    return FrenchDecimalField(
        label=label,
        min_value=MIN_CRFS_BALANCE,
        max_value=MAX_CRFS_AMOUNT,
        help_text="Précédé du signe moins s'il est négatif (compte à découvert) : -1 234,56.",
    )


class CrfsForm(forms.ModelForm):
    """The CRFS as typed: balances, one amount per category (totals are their sums), the
    statement, the approval and the quitus. Checks are shown beside it, never enforced."""

    opening_balance = balance_field("Solde d'ouverture au 1er septembre")
    closing_balance = balance_field("Solde comptable au 31 août")
    bank_balance = balance_field("Solde bancaire au 31 août (relevé)")
    pending_amount = amount_field(
        "Chèques non encaissés et opérations en attente au 31 août", required=False
    )

    class Meta:
        model = Crfs
        fields = [
            "format",
            "opening_balance",
            "closing_balance",
            "bank_balance",
            "pending_amount",
            "statement",
            "approval_date",
            "verifier1_name",
            "verifier1_quality",
            "verifier2_name",
            "verifier2_quality",
            "quitus",
            "quitus_date",
        ]
        widgets = {
            "approval_date": DATE,
            "quitus_date": DATE,
            "statement": forms.ClearableFileInput(attrs={"accept": STATEMENT_ACCEPT}),
        }
        help_texts = {
            "verifier2_quality": "Par exemple « parent d'élève » : un des deux peut être parent.",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(CrfsCategory.objects.ensure_defaults())
        amounts = {}
        if self.instance.pk:
            amounts = {line.category_id: line.amount for line in self.instance.lines.all()}
        for category in self.categories:
            name = f"cat_{category.pk}"
            label = category.label + (
                f" ({category.account_code})" if category.account_code else ""
            )
            self.fields[name] = amount_field(label, required=False)
            self.fields[name].initial = amounts.get(category.pk)
            self.fields[name].kind = category.kind
        choices = [(Format.ONLINE, Format.ONLINE.label), (Format.SOFTWARE, Format.SOFTWARE.label)]
        if user is not None and user.is_secretariat:
            choices.append((Format.PAPER, Format.PAPER.label))
        self.fields["format"].choices = choices
        self.fields["format"].widget = forms.RadioSelect(choices=choices)
        if not self.instance.pk and self.instance.cooperative_id:
            previous = self.instance.previous()
            if previous is not None:
                self.initial.setdefault("opening_balance", previous.closing_balance)

    def income_fields(self):
        return [self[f"cat_{c.pk}"] for c in self.categories if c.kind == Kind.INCOME]

    def expense_fields(self):
        return [self[f"cat_{c.pk}"] for c in self.categories if c.kind == Kind.EXPENSE]

    def main_fields(self):
        return [self[name] for name in self._meta.fields]

    def clean_statement(self):
        file = self.cleaned_data.get("statement")
        if file and hasattr(file, "content_type"):  # a new upload, not the stored one
            check_statement(file)
        return file

    def clean(self):
        data = super().clean()
        if data.get("pending_amount") is None:
            data["pending_amount"] = Decimal("0")
        if data.get("quitus") and not data.get("quitus_date"):
            self.add_error("quitus_date", "Indiquez la date du quitus.")
        if not data.get("quitus") and data.get("quitus_date"):
            self.add_error("quitus", "Une date de quitus est indiquée : cochez « quitus donné ».")
        totals = {Kind.INCOME: Decimal("0"), Kind.EXPENSE: Decimal("0")}
        for category in self.categories:
            totals[category.kind] += data.get(f"cat_{category.pk}") or Decimal("0")
        for kind, total in totals.items():
            if total > MAX_CRFS_AMOUNT:
                raise forms.ValidationError(f"Le total des {kind.label.lower()} est trop élevé.")
        self.instance.income_total = totals[Kind.INCOME]
        self.instance.expense_total = totals[Kind.EXPENSE]
        return data

    def save(self, commit=True):
        crfs = super().save(commit=commit)
        if commit:
            crfs.lines.all().delete()
            CrfsLine.objects.bulk_create(
                CrfsLine(crfs=crfs, category=category, amount=amount)
                for category in self.categories
                if (amount := self.cleaned_data.get(f"cat_{category.pk}"))
            )
        return crfs


class SubmitForm(forms.Form):
    engagement = forms.BooleanField(
        label=(
            "Je certifie que ce compte rendu est conforme à la comptabilité de la coopérative et "
            "qu'il a été approuvé par le conseil de coopérative."
        ),
        error_messages={"required": "Cochez l'engagement pour transmettre le compte rendu."},
    )


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label="Ce qu'il faut corriger",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ControlForm(forms.ModelForm):
    """Opening or updating a control: reasons, administrators (1 to 3), dates, checklist,
    findings and outcome."""

    class Meta:
        model = Control
        fields = [
            *REASON_FIELDS.values(),
            "note",
            "assigned",
            "status",
            "opened_on",
            "visit_on",
            "closed_on",
            *[name for name, _ in CHECKLIST],
            "findings",
            "outcome",
        ]
        widgets = {
            "opened_on": DATE,
            "visit_on": DATE,
            "closed_on": DATE,
            "assigned": forms.CheckboxSelectMultiple,
            "note": forms.Textarea(attrs={"rows": 2}),
            "findings": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned"].queryset = User.objects.filter(
            role=Role.ADMINISTRATEUR, is_active=True
        ).order_by("last_name", "first_name")
        self.fields["assigned"].error_messages["required"] = (
            f"Désignez de 1 à {MAX_ASSIGNED} administrateurs pour ce contrôle."
        )

    def reason_fields(self):
        return [self[name] for name in REASON_FIELDS.values()]

    def checklist_fields(self):
        return [self[name] for name, _ in CHECKLIST]

    def other_fields(self):
        skip = {*REASON_FIELDS.values(), *(name for name, _ in CHECKLIST)}
        return [self[name] for name in self._meta.fields if name not in skip]

    def clean_assigned(self):
        assigned = self.cleaned_data["assigned"]
        if not 1 <= len(assigned) <= MAX_ASSIGNED:
            raise forms.ValidationError(
                f"Désignez de 1 à {MAX_ASSIGNED} administrateurs pour ce contrôle."
            )
        return assigned

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in REASON_FIELDS.values()):
            raise forms.ValidationError("Indiquez au moins un motif de contrôle.")
        if data.get("reason_on_request") and not (data.get("note") or "").strip():
            self.add_error("note", "Un contrôle sur demande précise sa raison.")
        opened, closed = data.get("opened_on"), data.get("closed_on")
        if opened and closed and closed < opened:
            self.add_error("closed_on", "La clôture ne peut pas précéder l'ouverture.")
        if data.get("status") == Control.Status.CLOSED:
            if not data.get("outcome"):
                self.add_error("outcome", "Un contrôle clôturé a une conclusion.")
            if not closed:
                self.add_error("closed_on", "Indiquez la date de clôture.")
        return data


class ActionForm(forms.ModelForm):
    class Meta:
        model = ControlAction
        fields = ["description", "due_date"]
        widgets = {"due_date": DATE}


class AnswerForm(forms.ModelForm):
    class Meta:
        model = ControlAction
        fields = ["answer", "answer_file"]
        widgets = {
            "answer": forms.Textarea(attrs={"rows": 3}),
            "answer_file": forms.ClearableFileInput(attrs={"accept": STATEMENT_ACCEPT}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].required = True

    def clean_answer_file(self):
        file = self.cleaned_data.get("answer_file")
        if file and hasattr(file, "content_type"):
            check_statement(file)
        return file


CategoryFormSet = forms.modelformset_factory(
    CrfsCategory,
    fields=["kind", "label", "account_code", "order", "active"],
    extra=2,
    max_num=60,
    validate_max=True,
    can_delete=False,
)
