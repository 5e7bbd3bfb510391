from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from studyapp.accounts.models import User


@admin.register(User)
class StudyUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Study", {"fields": ("time_zone",)}),
        ("Sandbox", {"fields": ("sandbox_verified",)}),
    )
    list_display = (*UserAdmin.list_display, "sandbox_verified")
    list_filter = (*UserAdmin.list_filter, "sandbox_verified")
