from allauth.account.adapter import DefaultAccountAdapter

from accounts.language import is_supported, remember_language


class AccountAdapter(DefaultAccountAdapter):
    def post_login(self, request, user, **kwargs):
        """After signing in, remember the profile's language on this device."""
        response = super().post_login(request, user, **kwargs)
        if is_supported(user.preferred_language):
            remember_language(response, user.preferred_language)
        return response
