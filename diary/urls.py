import datetime

from django.urls import path, register_converter

from diary import progress_views, sharing_views, views


class DayConverter:
    """A calendar day as YYYY-MM-DD; an impossible date such as 2026-02-30 does not match (404)."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)


register_converter(DayConverter, "day")


class PhotoKindConverter:
    """Which file of a photo: the full image or its thumbnail."""

    regex = "image|thumb"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PhotoKindConverter, "photo_kind")

app_name = "diary"
urlpatterns = [
    path("history/", views.history, name="history"),
    path("alerts/", views.alert_list, name="alert-list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/help/", views.alert_help, name="alert-help"),
    path("settings/", views.settings, name="settings"),
    path("settings/export/", views.account_export, name="account-export"),
    path("settings/sharing/", sharing_views.sharing, name="sharing"),
    path("settings/share-links/add/", sharing_views.share_link_add, name="share-link-add"),
    path("settings/share-links/<int:pk>/revoke/", sharing_views.share_link_revoke, name="share-link-revoke"),
    path("settings/delete/", views.account_delete, name="account-delete"),
    path("go/", views.day_pick, name="day-pick"),
    path("progress/", progress_views.progress_page, name="progress"),
    path("progress/poem/", progress_views.poem_answer, name="poem"),
    path("progress/choices/", progress_views.score_prefs, name="score-prefs"),
    path("progress/summary/", progress_views.summary_page, name="summary"),
    path("progress/summary.pdf", progress_views.summary_pdf, name="summary-pdf"),
    path("treatments/", views.treatment_list, name="treatment-list"),
    path("treatments/add/", views.treatment_add, name="treatment-add"),
    path("treatments/<int:pk>/edit/", views.treatment_edit, name="treatment-edit"),
    path("treatments/<int:pk>/stop/", views.treatment_stop, name="treatment-stop"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("applications/<int:pk>/delete/", views.application_delete, name="application-delete"),
    path("reactions/<int:pk>/edit/", views.reaction_edit, name="reaction-edit"),
    path("reactions/<int:pk>/delete/", views.reaction_delete, name="reaction-delete"),
    path("photos/", views.photo_gallery, name="photo-gallery"),
    path("photos/compare/", views.photo_compare, name="photo-compare"),
    path("photos/<int:pk>/", views.photo_detail, name="photo-detail"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo-delete"),
    path("photos/<int:pk>/<photo_kind:kind>/", views.photo_file, name="photo-file"),
    path("<day:day>/photos/", views.photo_add, name="photo-add"),
    path("<day:day>/", views.day, name="day"),
    path("<day:day>/applications/", views.application_add, name="application-add"),
    path("<day:day>/reactions/", views.reaction_add, name="reaction-add"),
    path("<day:day>/entry/", views.entry_save, name="entry-save"),
    path("<day:day>/delete/", views.entry_delete, name="entry-delete"),
]
