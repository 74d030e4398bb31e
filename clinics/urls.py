from django.urls import path

from clinics import views

app_name = "clinics"
urlpatterns = [
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("staff-invitation/<str:token>/", views.staff_invitation, name="staff-invitation"),
    path("join/", views.join, name="join"),
    path("join/<int:pk>/cancel/", views.join_cancel, name="join-cancel"),
    path("links/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
