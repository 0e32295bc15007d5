from django.urls import path

from . import views

app_name = "actions"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("mes-classes/", views.my_classes, name="my_classes"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/nouvelle/", views.action_create, name="action_create"),
    path("actions/<int:pk>/modifier/", views.action_edit, name="action_edit"),
    path("actions/<int:pk>/editions/nouvelle/", views.edition_create, name="edition_create"),
    path("editions/<int:pk>/", views.edition_detail, name="edition_detail"),
    path("editions/<int:pk>/modifier/", views.edition_edit, name="edition_edit"),
    path("editions/<int:pk>/copier/", views.edition_copy, name="edition_copy"),
    path("editions/<int:pk>/inscription/", views.register, name="register"),
    path("editions/<int:pk>/selection/", views.selection_view, name="selection"),
    path(
        "editions/<int:pk>/interventions/nouvelle/",
        views.intervention_create,
        name="intervention_create",
    ),
    path("editions/<int:pk>/budget/", views.budget, name="budget"),
    path("editions/<int:pk>/budget.xlsx", views.budget_export, name="budget_export"),
    path("editions/<int:pk>/classes.xlsx", views.registrations_export, name="registrations_export"),
    path("budget/<int:pk>/supprimer/", views.budget_line_delete, name="budget_line_delete"),
    path("editions/<int:pk>/diplomes/", views.diplomas, name="diplomas"),
    path("inscriptions/<int:pk>/diplome.pdf", views.diploma_download, name="diploma"),
    path("editions/<int:pk>/manches/", views.rounds, name="rounds"),
    path("manches/<int:pk>/", views.round_detail, name="round_detail"),
    path("manches/<int:pk>/annoncer/", views.round_announce, name="round_announce"),
    path("reponses/<int:pk>/noter/", views.submission_score, name="submission_score"),
    path("reponses/<int:pk>/fichier/", views.submission_file, name="submission_file"),
    path("inscriptions/<int:pk>/", views.registration_detail, name="registration_detail"),
    path("inscriptions/<int:pk>/statut/", views.registration_status, name="registration_status"),
    path("interventions/", views.interventions, name="interventions"),
    path(
        "interventions/nouvelle/",
        views.intervention_create_other,
        name="intervention_create_other",
    ),
    path("interventions/<int:pk>/modifier/", views.intervention_edit, name="intervention_edit"),
    path("interventions/<int:pk>/statut/", views.intervention_status, name="intervention_status"),
    path("intervenants/", views.intervenants, name="intervenants"),
    path("intervenants/<int:pk>/modifier/", views.intervenant_edit, name="intervenant_edit"),
    path("intervenants/<int:pk>/calendrier.ics", views.intervenant_ics, name="intervenant_ics"),
]
