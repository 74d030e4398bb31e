from django.urls import path

from drugs import views

app_name = "drugs"
urlpatterns = [
    path("", views.drug_list, name="drug-list"),
    # Before the medicine pattern, which would otherwise take "symptoms" for a slug.
    path("symptoms/", views.symptom_list, name="symptom-list"),
    path("<slug:slug>/", views.drug_detail, name="drug-detail"),
]
