"""Comments on shared memories: a photo, or a published painting (generation's Artwork, reached
here only as a ``target``: memorial imports nothing of generation).

The guestbook's machinery, shared through ``memorial.guest_messages``: the family's approval
policy (``Memorial.condolence_policy``), the scam rule, weighted reports that hide a comment
until a manager decides, and the managers' e-mail. Who sees which comment is
``memorial.permissions``' (``comments_visible_to``, ``comment_for``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q

from memorial import guest_messages, permissions
from memorial.models import Comment, Memorial

MAX_COMMENT = 1000
CommentRefused = guest_messages.MessageRefused
PUBLISHED = Comment.Status.PUBLISHED


def _on(target):
    return {"target_type": ContentType.objects.get_for_model(target), "target_id": target.pk}


@transaction.atomic
def leave_comment(*, target, memorial: Memorial, message: str, author=None, guest_name: str = "") -> Comment:
    """A comment on ``target`` (a photo or a painting of ``memorial``): published at once, or
    waiting for a manager when the family approves messages first or it looks like a scam."""
    message, guest_name = guest_messages.clean(message=message, guest_name=guest_name, author=author, limit=MAX_COMMENT)
    status, held = guest_messages.first_status(
        memorial=memorial, text=message + " " + guest_name, published=PUBLISHED, pending=Comment.Status.PENDING
    )
    comment = Comment.objects.create(
        memorial=memorial,
        **_on(target),
        author=author,
        guest_name="" if author else guest_name[:100],
        message=message,
        status=status,
        held_reason=held,
    )
    comment.target = target
    transaction.on_commit(lambda: notify_managers(comment))
    return comment


def notify_managers(comment: Comment) -> int:
    url = settings.SITE_URL + comment.target.get_absolute_url() + "#comments"
    return guest_messages.notify_managers(comment, url=url, pending=Comment.Status.PENDING)


def comments_on(target, *, memorial: Memorial, user):
    """The comments on ``target`` that ``user`` sees, oldest first (the caller loaded ``target``
    through ``permissions``, so ``user`` sees it)."""
    comments = Comment.objects.filter(memorial=memorial, **_on(target)).select_related("author")
    comments = permissions.comments_visible_to(user, memorial, comments)
    if permissions.can(user, "moderate", memorial):
        comments = comments.prefetch_related("reports")
    return comments


def with_comment_counts(queryset):
    """``queryset`` (photos or paintings) with ``comment_count``: their published comments."""
    return queryset.annotate(comment_count=Count("comments", filter=Q(comments__status=PUBLISHED), distinct=True))


def _decide(comment: Comment, status: str, by, action: str, note: str = "") -> Comment:
    return guest_messages.decide(comment, status=status, by=by, action=action, note=note)


def approve(*, comment: Comment, by, note: str = "") -> Comment:
    return _decide(comment, PUBLISHED, by, "approve_comment", note)


def reject(*, comment: Comment, by, note: str = "") -> Comment:
    return _decide(comment, Comment.Status.REJECTED, by, "reject_comment", note)


def hide(*, comment: Comment, by, note: str = "") -> Comment:
    return _decide(comment, Comment.Status.HIDDEN, by, "hide_comment", note)


def restore(*, comment: Comment, by, note: str = "") -> Comment:
    return _decide(comment, PUBLISHED, by, "restore_comment", note)


def report(*, comment: Comment, reporter_key: str, reporter=None, reason: str = "", network_key: str = "") -> bool:
    """As a condolence's report: once per visitor, weighed, hiding it until a manager decides."""
    return guest_messages.report(
        item=comment,
        reporter_key=reporter_key,
        reporter=reporter,
        reason=reason,
        network_key=network_key,
        published=PUBLISHED,
        hidden=Comment.Status.HIDDEN,
        on_hidden=guest_messages.notify_hidden,
    )


def pending_comments(memorial: Memorial) -> list[Comment]:
    """What the managers review: comments waiting for approval or hidden, with their open reports
    and what they are on (a photo or painting in the bin takes its comments out of the queue)."""
    comments = list(
        Comment.objects.filter(memorial=memorial, status__in=[Comment.Status.PENDING, Comment.Status.HIDDEN])
        .select_related("author")
        .prefetch_related("reports", "target")
    )
    return [comment for comment in comments if comment.target is not None]


def exported(memorial: Memorial, model) -> dict[int, list[dict]]:
    """The published comments on ``model``'s things of this memorial, by the thing's id, for
    "Download all memories"."""
    from django.utils import timezone

    rows: dict[int, list[dict]] = {}
    comments = Comment.objects.filter(
        memorial=memorial, target_type=ContentType.objects.get_for_model(model), status=PUBLISHED
    ).select_related("author")
    for comment in comments.order_by("created_at", "pk"):
        rows.setdefault(comment.target_id, []).append(
            {
                "name": comment.display_name,
                "message": comment.message,
                "created_at": comment.created_at.isoformat(),
                "date_display": timezone.localtime(comment.created_at).date().isoformat(),
            }
        )
    return rows
