from allauth.account.models import EmailAddress
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from occe.core.models import Association

from .access import secretariat_only
from .directory import COLUMNS
from .forms import UserForm
from .models import Role, User
from .tasks import invite_users


def manageable_users():
    """Accounts the secretariat manages: every one but the superusers (the technical admins),
    so that nobody can take over an administrator account by changing its e-mail."""
    return User.objects.filter(is_superuser=False)


@secretariat_only
def user_list(request):
    """Every account, by name; filtered by a name or address and by role. Other apps add
    columns (a teacher's school): `directory.COLUMNS`."""
    related = [name for column in COLUMNS for name in column.related]
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), email=OuterRef("email"))
    users = (
        manageable_users()
        .select_related(*related)
        .annotate(address_verified=Exists(verified.filter(verified=True)))
        .order_by("last_name", "first_name", "email")
    )
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(email__icontains=query) | Q(last_name__icontains=query))
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    rows = [(user, [column.value(user) for column in COLUMNS]) for user in page]
    context = {
        "page": page,
        "rows": rows,
        "columns": COLUMNS,
        "q": query,
        "role": role,
        "roles": Role.choices,
    }
    return render(request, "accounts/user_list.html", context)


@secretariat_only
def user_invite(request):
    form = UserForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.set_unusable_password()
        user.save()
        invite_users.delay_on_commit([user.pk], request.user.pk)
        messages.success(request, f"Compte créé ; une invitation a été envoyée à {user.email}.")
        return redirect("accounts:list")
    return render(
        request, "accounts/user_form.html", {"form": form, "title": "Inviter un utilisateur"}
    )


@secretariat_only
def user_edit(request, pk):
    user = get_object_or_404(manageable_users(), pk=pk)
    form = UserForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Compte enregistré.")
        return redirect("accounts:list")
    return render(request, "accounts/user_form.html", {"form": form, "title": f"Modifier {user}"})


@require_POST
@secretariat_only
def user_reinvite(request, pk):
    user = get_object_or_404(manageable_users(), pk=pk)
    if user.has_usable_password():
        messages.info(
            request,
            f"{user.email} a déjà choisi son mot de passe : « Mot de passe oublié » sur la page "
            "de connexion lui permet d'en choisir un nouveau.",
        )
    else:
        invite_users.delay_on_commit([user.pk], request.user.pk)
        messages.success(request, f"Invitation renvoyée à {user.email}.")
    return redirect("accounts:list")


@require_GET
def email(request):
    """The account's address, read-only: only the secretariat changes it (users page), so an
    address someone merely typed never identifies them (issue 6, 1.2)."""
    return render(request, "account/email.html", {"association": Association.get()})
