from accounts.models import User


def update_profile(*, user: User, display_name: str | None = None, preferred_language: str | None = None) -> User:
    changed = []
    if display_name is not None and display_name != user.display_name:
        user.display_name = display_name
        changed.append("display_name")
    if preferred_language is not None and preferred_language != user.preferred_language:
        user.preferred_language = preferred_language
        changed.append("preferred_language")
    if changed:
        user.save(update_fields=changed)
    return user
