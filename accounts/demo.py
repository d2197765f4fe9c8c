"""The demo account a new user signs in with on a fresh machine (development only)."""

from allauth.account.models import EmailAddress

from accounts.models import User

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "remember-together"


def ensure_demo_account() -> tuple[User, bool]:
    user = User.objects.filter(email=DEMO_EMAIL).first()
    if user is not None:
        return user, False
    user = User.objects.create_user(email=DEMO_EMAIL, password=DEMO_PASSWORD, display_name="Demo Family")
    EmailAddress.objects.create(user=user, email=DEMO_EMAIL, verified=True, primary=True)
    return user, True
