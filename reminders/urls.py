from django.urls import path

from reminders import offline, views

app_name = "reminders"
urlpatterns = [
    path("", views.reminder_settings, name="settings"),
    path("courses/<int:pk>/", views.schedule_edit, name="schedule-edit"),
    path("courses/<int:pk>/pause/", views.schedule_pause, name="schedule-pause"),
    path("push/subscribe/", views.push_subscribe, name="push-subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push-unsubscribe"),
    path("act/", views.notification_action, name="notification-action"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sync/", offline.sync, name="offline-sync"),
]
