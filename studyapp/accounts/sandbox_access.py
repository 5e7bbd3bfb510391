"""Who may run code in the sandbox: verified accounts only.

Running learners' code costs the sandbox's capacity, so an account gets runs once it is
vouched for: it joined an instructor's cohort (with the cohort's invite code), or an
administrator verified it (``User.sandbox_verified``, in the admin). Instructors and staff
may run code too. Everyone else reads :data:`NO_SANDBOX_ACCESS`, which says how to get access.
"""

from __future__ import annotations

from studyapp.accounts.models import TEACH_PERMISSION, Cohort

NO_SANDBOX_ACCESS = (
    "Running functions in the sandbox is for verified accounts. To get access, join your "
    "instructor's cohort with its invite code, or ask an administrator to verify your account."
)


def sandbox_access_allowed(user) -> bool:
    """Whether ``user`` may run code in the sandbox (see the module's docstring)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.sandbox_verified or user.is_staff or user.is_superuser:
        return True
    return Cohort.objects.joined_by(user).exists() or user.has_perm(TEACH_PERMISSION)
