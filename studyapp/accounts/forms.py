from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from studyapp.accounts.cohorts import cohort_by_code
from studyapp.accounts.models import User

# One message whether the name is taken or not allowed, so the sign-up page does not tell a
# stranger which usernames exist.
USERNAME_UNAVAILABLE = (
    "Choose another username: it must be free, at most 150 characters, and only letters, digits "
    "and @ . + - _."
)


class LoginForm(AuthenticationForm):
    """Django's log-in form, refusing a username longer than any account's before it is tried:
    Django sets the field's max_length after its validators are built, so it only reaches the
    page's markup, and the failed attempt's record (axes keeps 255 characters) failed to save
    on PostgreSQL, a server error instead of the form's answer."""

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        longest = User._meta.get_field(User.USERNAME_FIELD).max_length
        if len(username) > longest:
            raise ValidationError(f"A username is at most {longest} characters.", code="max_length")
        return username


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional; used only to reset a password.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        error_messages = {"username": {"unique": USERNAME_UNAVAILABLE}}

    def __init__(self, *args, invite_only: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invite_only = invite_only
        if invite_only:
            self.fields["code"] = forms.CharField(
                label="Cohort code",
                max_length=20,
                help_text="Accounts are created with an invite code from your instructor.",
            )

    def clean_username(self) -> str:
        try:
            return super().clean_username()
        except ValidationError:
            raise ValidationError(USERNAME_UNAVAILABLE, code="unavailable") from None

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if cohort_by_code(code) is None:
            raise ValidationError("No cohort has this code. Check it with your instructor.")
        return code

    def _post_clean(self) -> None:
        super()._post_clean()
        if "username" in self.errors:  # the model's own checks may have added their wording
            self.errors["username"] = self.error_class([USERNAME_UNAVAILABLE])
