from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.user_list, name="list"),
    path("inviter/", views.user_invite, name="invite"),
    path("<int:pk>/modifier/", views.user_edit, name="edit"),
    path("<int:pk>/reinviter/", views.user_reinvite, name="reinvite"),
]
