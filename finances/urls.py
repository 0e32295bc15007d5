from django.urls import path

from .views import receipts, registers, requests, trousse

app_name = "finances"
urlpatterns = [
    path("recus/", requests.request_list, name="request_list"),
    path("recus/nouvelle/", requests.request_create, name="request_create"),
    path("recus/modele.xlsx", requests.import_template, name="import_template"),
    path("recus/<int:pk>/", requests.request_detail, name="request_detail"),
    path("recus/<int:pk>/modifier/", requests.request_edit, name="request_edit"),
    path("recus/<int:pk>/importer/", requests.request_import, name="request_import"),
    path("recus/<int:pk>/supprimer/", requests.request_delete, name="request_delete"),
    path("recus/<int:pk>/progression/", requests.request_progress, name="request_progress"),
    path("recus/<int:pk>/valider/", requests.request_validate, name="request_validate"),
    path("recus/<int:pk>/a-corriger/", requests.request_send_back, name="request_send_back"),
    path("recus/<int:pk>/rejeter/", requests.request_reject, name="request_reject"),
    path("recus/<int:pk>/relancer-pdf/", requests.request_rerender, name="request_rerender"),
    path("recus/<int:pk>/recus.zip", receipts.request_zip, name="request_zip"),
    path("recu/<int:pk>.pdf", receipts.receipt_pdf, name="receipt_pdf"),
    path("recu/<int:pk>/annuler/", receipts.receipt_cancel, name="receipt_cancel"),
    path("recu/<int:pk>/renvoyer/", receipts.receipt_email_retry, name="receipt_email_retry"),
    path("registres/", registers.registers, name="registers"),
    path("registres/export.xlsx", registers.registers_export, name="registers_export"),
    path("trousse/", trousse.trousse_upload, name="trousse_upload"),
    path("trousse/<int:pk>/", trousse.trousse_mapping, name="trousse_mapping"),
]
