from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from studyapp.accounts.models import User


@admin.register(User)
class StudyUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Study", {"fields": ("time_zone",)}))
