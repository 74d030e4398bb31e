"""The project's URLs plus a stand-in for the drug guide pages, as `drugs:drug-detail` will be."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

guide_patterns = ([path("guide/<slug:slug>/", lambda request, slug: HttpResponse(slug), name="drug-detail")], "drugs")
urlpatterns = [*project_urlpatterns, path("", include(guide_patterns))]
