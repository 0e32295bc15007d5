from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("association/", views.association, name="association"),
    path("association/fichier/<str:field>/", views.association_file, name="association_file"),
    path("outbox/", views.outbox, name="outbox"),
]
