from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from studyapp.accounts import cohort_views, views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(success_url="/accounts/password/done/"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("profile/", views.profile, name="profile"),
    path("access-keys/", views.access_key_new, name="access_key_new"),
    path(
        "access-keys/<str:access_key_id>/revoke/",
        views.access_key_revoke,
        name="access_key_revoke",
    ),
    path("join/", cohort_views.cohort_join, name="join"),
    path("join/<str:code>/", cohort_views.cohort_join, name="join_code"),
    path("cohorts/<int64:cohort_id>/leave/", cohort_views.cohort_leave, name="cohort_leave"),
]
