from django.urls import path

from . import views

app_name = "ops"
urlpatterns = [
    path("sante/", views.sante, name="health"),
    path("donnees-personnelles/", views.personal_data_notice, name="personal_data"),
    path("donnees-personnelles/personne/", views.person, name="person"),
    path("connexions/", views.login_audit, name="login_audit"),
]
