from django.urls import path

from .views import catalogue, figures, loans, sales

app_name = "prets"
urlpatterns = [
    # Catalogue, resources, copies
    path("", catalogue.catalogue, name="catalogue"),
    path("ressources/nouvelle/", catalogue.resource_create, name="resource_create"),
    path("ressources/<int:pk>/", catalogue.resource_detail, name="resource_detail"),
    path("ressources/<int:pk>/modifier/", catalogue.resource_edit, name="resource_edit"),
    path("ressources/<int:pk>/photos/", catalogue.photo_add, name="photo_add"),
    path("ressources/<int:pk>/exemplaires/", catalogue.copy_create, name="copy_create"),
    path("ressources/<int:pk>/reserver/", loans.reserve, name="reserve"),
    path("photos/<int:pk>/<str:size>.jpg", catalogue.photo, name="photo"),
    path("photos/<int:pk>/supprimer/", catalogue.photo_delete, name="photo_delete"),
    path("exemplaires/<int:pk>/", catalogue.copy_detail, name="copy_detail"),
    path("exemplaires/<int:pk>/modifier/", catalogue.copy_edit, name="copy_edit"),
    path("incidents/<int:pk>/resoudre/", loans.incident_resolve, name="incident_resolve"),
    # Reservations and loans
    path("reservations/", loans.reservation_list, name="reservation_list"),
    path("reservations/<int:pk>/", loans.reservation_detail, name="reservation_detail"),
    path("reservations/<int:pk>/confirmer/", loans.reservation_confirm, name="reservation_confirm"),
    path("reservations/<int:pk>/refuser/", loans.reservation_refuse, name="reservation_refuse"),
    path("reservations/<int:pk>/annuler/", loans.reservation_cancel, name="reservation_cancel"),
    path("reservations/<int:pk>/remise/", loans.hand_over, name="hand_over"),
    path("reservations/<int:pk>/retour/", loans.take_back, name="take_back"),
    path("reservations/<int:pk>/cloturer/", loans.reservation_close, name="reservation_close"),
    path("aujourd-hui/", loans.today, name="today"),
    path("en-retard/", loans.overdue, name="overdue"),
    # Sales
    path("produits/", sales.product_list, name="product_list"),
    path("produits/nouveau/", sales.product_create, name="product_create"),
    path("produits/<int:pk>/modifier/", sales.product_edit, name="product_edit"),
    path("commandes/", sales.order_list, name="order_list"),
    path("commandes/nouvelle/", sales.order_create, name="order_create"),
    path("commandes/<int:pk>/", sales.order_detail, name="order_detail"),
    path("commandes/<int:pk>/preparer/", sales.order_prepare, name="order_prepare"),
    path("commandes/<int:pk>/livrer/", sales.order_deliver, name="order_deliver"),
    path("commandes/<int:pk>/regler/", sales.order_pay, name="order_pay"),
    path("commandes/<int:pk>/annuler/", sales.order_cancel, name="order_cancel"),
    path("commandes/<int:pk>/bon-de-commande.pdf", sales.order_form_pdf, name="order_form_pdf"),
    path(
        "commandes/<int:pk>/bon-de-livraison.pdf",
        sales.delivery_note_pdf,
        name="delivery_note_pdf",
    ),
    # Figures
    path("chiffres/", figures.figures, name="figures"),
    path("chiffres/export.xlsx", figures.figures_export, name="figures_export"),
]
