"""Sales: products (secretariat), orders by coops, the order form and delivery note PDFs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from occe.accounts.access import require, secretariat_only, staff_or_board
from occe.core.models import Association
from occe.core.pdf import render_pdf

from .. import services
from ..filters import OrderFilter
from ..forms import DeliveryForm, OrderForm, PaymentForm, ProductForm
from ..models import Order, Product
from . import perform, places_orders, sees_coop_requests

PAGE_SIZE = 50


@staff_or_board
def product_list(request):
    products = Product.objects.order_by("-active", "name")
    return render(
        request,
        "prets/product_list.html",
        {"products": products, "today": timezone.localdate()},
    )


@secretariat_only
def product_create(request):
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Produit créé.")
        return redirect("prets:product_list")
    return render(request, "prets/product_form.html", {"form": form, "product": None})


@secretariat_only
def product_edit(request, pk):
    product = get_object_or_404(Product, pk=pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Produit enregistré.")
        return redirect("prets:product_list")
    return render(request, "prets/product_form.html", {"form": form, "product": product})


def get_order(request, pk) -> Order:
    """Read: outside the user's scope (another coop's order), a 404."""
    queryset = Order.objects.visible_to(request.user).select_related(
        "cooperative", "requested_by", "delivered_by", "cancelled_by"
    )
    return get_object_or_404(queryset, pk=pk)


def get_rw_order(request, pk) -> Order:
    """Read-write: a 404 outside the user's scope, a 403 for a user who may only read it."""
    order = get_order(request, pk)
    require(order.can_be_edited_by(request.user))
    return order


@sees_coop_requests
def order_list(request):
    queryset = Order.objects.visible_to(request.user).select_related("cooperative").with_totals()
    order_filter = OrderFilter(request.GET or None, queryset=queryset, user=request.user)
    page = Paginator(order_filter.qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "prets/order_list.html"
    if request.htmx and not request.htmx.boosted:
        template = "prets/includes/order_results.html"
    return render(request, template, {"filter": order_filter, "page": page})


@places_orders
def order_create(request):
    products = list(Product.objects.orderable().order_by("name"))
    form = OrderForm(request.POST or None, user=request.user, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.place_order(
                cooperative=form.cleaned_data["cooperative"],
                user=request.user,
                quantities=form.quantities(),
                note=form.cleaned_data["note"],
            )
        except services.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Commande n° {order.pk} enregistrée.")
            return redirect("prets:order_detail", pk=order.pk)
    return render(request, "prets/order_form.html", {"form": form})


@sees_coop_requests
def order_detail(request, pk):
    order = get_order(request, pk)
    lines = list(order.lines.select_related("product"))
    secretariat = order.can_be_edited_by(request.user)
    context = {
        "order": order,
        "lines": lines,
        "total": sum(line.amount for line in lines),
        "can_prepare": secretariat and order.status == Order.Status.ORDERED,
        "can_deliver": secretariat
        and order.status in (Order.Status.ORDERED, Order.Status.PREPARED),
        "can_pay": secretariat and order.status in (Order.Status.HANDED_OVER, Order.Status.SHIPPED),
        "can_cancel": order.can_be_cancelled_by(request.user),
        "delivery_form": DeliveryForm(prefix="livraison"),
        "payment_form": PaymentForm(prefix="reglement"),
    }
    return render(request, "prets/order_detail.html", context)


@sees_coop_requests
@require_POST
def order_prepare(request, pk):
    order = get_rw_order(request, pk)
    return perform(request, services.prepare_order, order, "Commande préparée.")


@sees_coop_requests
@require_POST
def order_deliver(request, pk):
    order = get_rw_order(request, pk)
    form = DeliveryForm(request.POST, prefix="livraison")
    if not form.is_valid():
        messages.error(request, "Indiquez le mode et la date de livraison.")
        return redirect("prets:order_detail", pk=order.pk)
    shipped = form.cleaned_data["shipped"]
    return perform(
        request,
        services.deliver_order,
        order,
        "Commande expédiée." if shipped else "Commande remise.",
        shipped=shipped,
        on=form.cleaned_data["on"],
    )


@sees_coop_requests
@require_POST
def order_pay(request, pk):
    order = get_rw_order(request, pk)
    form = PaymentForm(request.POST, prefix="reglement")
    if not form.is_valid():
        messages.error(request, "Indiquez la date et le mode de règlement.")
        return redirect("prets:order_detail", pk=order.pk)
    data = form.cleaned_data
    return perform(
        request,
        services.record_payment,
        order,
        "Règlement enregistré.",
        on=data["on"],
        method=data["method"],
        reference=data["reference"],
    )


@sees_coop_requests
@require_POST
def order_cancel(request, pk):
    order = get_order(request, pk)
    require(order.can_be_cancelled_by(request.user))
    reason = request.POST.get("reason", "")
    return perform(request, services.cancel_order, order, "Commande annulée, stock rendu.", reason)


def _pdf(request, pk, template: str, filename: str) -> HttpResponse:
    order = get_order(request, pk)
    lines = list(order.lines.select_related("product"))
    pdf = render_pdf(
        template,
        {
            "order": order,
            "lines": lines,
            "total": sum(line.amount for line in lines),
            "quantity": sum(line.quantity for line in lines),
            "association": Association.get(),
            "today": timezone.localdate(),
        },
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{order.pk}.pdf"'
    return response


@sees_coop_requests
def order_form_pdf(request, pk):
    return _pdf(request, pk, "prets/pdf/order_form.html", "bon-de-commande")


@sees_coop_requests
def delivery_note_pdf(request, pk):
    return _pdf(request, pk, "prets/pdf/delivery_note.html", "bon-de-livraison")
