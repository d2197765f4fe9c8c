from django.conf import settings
from django.utils import translation

from accounts.language import is_supported


class PreferredLanguageMiddleware:
    """A signed-in person reads the site in the language of their profile.

    LocaleMiddleware has already chosen from the language cookie or the browser. The
    cookie means an explicit choice on this device (the switcher also saves it to the
    profile), so it wins; otherwise the profile's language beats the browser's guess.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and is_supported(user.preferred_language)
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
