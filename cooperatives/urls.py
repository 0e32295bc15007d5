from django.urls import path

from .views import affiliations, cooperatives, exchange, schools

app_name = "cooperatives"
urlpatterns = [
    path("", cooperatives.cooperative_list, name="list"),
    path("nouvelle/", cooperatives.cooperative_create, name="create"),
    path("export.xlsx", exchange.export, name="export"),
    path("import/", exchange.upload, name="import"),
    path("import/modele.xlsx", exchange.template, name="import_template"),
    path("import/<int:batch_pk>/", exchange.preview, name="import_preview"),
    path("ecoles/", schools.school_options, name="school_options"),
    path("mon-ecole/", schools.my_school, name="my_school"),
    path("campagne/", affiliations.campaign, name="campaign"),
    path("campagne/relancer/", affiliations.campaign_remind, name="campaign_remind"),
    path(
        "campagne/relance/apercu/",
        affiliations.campaign_remind_preview,
        name="campaign_remind_preview",
    ),
    path("<int:pk>/", cooperatives.cooperative_detail, name="detail"),
    path("<int:pk>/modifier/", cooperatives.cooperative_edit, name="edit"),
    path("<int:pk>/radier/", cooperatives.cooperative_strike_off, name="strike_off"),
    path("<int:pk>/reintegrer/", cooperatives.cooperative_reinstate, name="reinstate"),
    path("<int:pk>/mandataires/nouveau/", cooperatives.mandate_create, name="mandate_create"),
    path(
        "<int:pk>/mandataires/<int:mandate_pk>/terminer/",
        cooperatives.mandate_end,
        name="mandate_end",
    ),
    path(
        "<int:pk>/accompagnements/nouveau/",
        cooperatives.accompaniment_create,
        name="accompaniment_create",
    ),
    path("<int:pk>/affiliation/<str:year>/", affiliations.affiliation_edit, name="affiliation"),
    path(
        "<int:pk>/affiliation/<str:year>/soumettre/",
        affiliations.affiliation_submit,
        name="affiliation_submit",
    ),
    path(
        "<int:pk>/affiliation/<str:year>/valider/",
        affiliations.affiliation_validate,
        name="affiliation_validate",
    ),
    path(
        "<int:pk>/affiliation/<str:year>/rouvrir/",
        affiliations.affiliation_reopen,
        name="affiliation_reopen",
    ),
    path(
        "<int:pk>/affiliation/<str:year>/paiements/nouveau/",
        affiliations.payment_create,
        name="payment_create",
    ),
    path(
        "<int:pk>/affiliation/<str:year>/paiements/<int:payment_pk>/annuler/",
        affiliations.payment_cancel,
        name="payment_cancel",
    ),
    path(
        "<int:pk>/affiliation/<str:year>/attestation.pdf",
        affiliations.affiliation_attestation,
        name="attestation",
    ),
]
