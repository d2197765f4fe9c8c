"""Pages of memorials, albums, photos, the guestbook and offerings. Thin: load the object and
check the action through `permissions` (one call), call one domain function, render.

Each action a page offers has its own address and view. The pages of a memorial are wrapped in
`permissions.sign_in_to_act` rather than `login_required`: what a signed-out visitor may not know
exists (a private memorial and everything in it) is a 404 to them, as to everyone outside it;
where they may see it but must sign in to act, they are sent to sign in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from core import ratelimit, visitors
from core.serving import cache_for_viewers, serve_file
from memorial import (
    bin,
    bugo,
    comments,
    condolence_accounts,
    condolences,
    contributions,
    editing,
    extensions,
    membership,
    offerings,
    page_cache,
    permissions,
    photos,
    previews,
    qr,
    quick_phrases,
    quota,
    selectors,
    services,
)
from memorial import export as exporting
from memorial.forms import (
    AlbumForm,
    CaptionForm,
    CommentForm,
    CondolenceForm,
    InvitationForm,
    MemorialForm,
    PhotoUploadForm,
    RoleForm,
    TimelineEventForm,
)
from memorial.models import Comment, Condolence, Membership, MemorialExport, Role, TimelineEvent

sign_in_to_act = permissions.sign_in_to_act


def _perms(request, memorial) -> dict:
    """What the person may do here, for the template to offer."""
    return {action: permissions.can(request.user, action, memorial) for action in permissions.ACTIONS}


@login_required
def dashboard(request):
    context = {
        "memberships": selectors.my_memorials(request.user),
        "deleted": selectors.my_deleted_memorials(request.user),
    }
    return render(request, "memorial/dashboard.html", context)


@login_required
def memorial_create(request):
    form = MemorialForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST":
        if form.is_valid():
            memorial = services.create_memorial(by=request.user, **form.service_fields())
            messages.success(request, _("The memorial page is ready. Add photos and invite your family."))
            return redirect(memorial)
        return render(request, "memorial/memorial_form.html", {"form": form}, status=400)
    return render(request, "memorial/memorial_form.html", {"form": form})


def memorial_detail(request, slug):
    visitors.remember(request)  # a guest's browser gets its visitor cookie with the page
    if not page_cache.cacheable(request):
        return _render_memorial(request, permissions.memorial_for(request.user, slug))
    light = permissions.memorial_for(request.user, slug, loader=page_cache.lookup)
    html = page_cache.get(request, light)
    if html is None:
        memorial = permissions.memorial_for(request.user, slug)
        html = _render_memorial(
            request, memorial, **page_cache.render_context_for_cache(request, light)
        ).content.decode()
        page_cache.put(request, light, html)
    return page_cache.fill_in(request, light, html)


def _render_memorial(request, memorial, *, condolence_page=None, **extra):
    page = condolence_page or page_cache.requested_page(request)
    context = selectors.memorial_page(memorial, request.user, condolence_page=page)
    context.update(
        artworks=extensions.gallery("artworks", memorial, request.user, limit=selectors.GALLERY_SIZE),
        condolence_form=CondolenceForm(guest=not request.user.is_authenticated, language=memorial.language),
        relation_suggestions=quick_phrases.relations_for(memorial.language),
        friend_stories=contributions.approved_stories(memorial),
        indexable=permissions.is_indexable(memorial),
        preview=previews.memorial_tags(memorial),
        share=previews.share_for(memorial),
        **condolence_accounts.page_context(memorial, request.user),
    )
    context["perms"] = _perms(request, memorial)
    context.update(bugo.page_context(memorial))
    context.update(extra)
    return render(request, "memorial/memorial_detail.html", context)


@sign_in_to_act
def memorial_edit(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "edit")
    form = MemorialForm(request.POST or None, instance=memorial)
    conflict = None
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_memorial(
                    memorial=memorial,
                    by=request.user,
                    base_version=form.cleaned_data.get("version"),
                    **form.service_fields(),
                )
            except editing.EditConflict as exc:
                # Nothing saved: show what changed since, and keep what the person typed.
                conflict, memorial = exc, exc.memorial
                data = {**editing.reapply(exc, request.POST), "version": exc.current_version}
                form = MemorialForm(data, instance=memorial)
                status = 409
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect(memorial)
        else:
            status = 400
    else:
        status = 200
    can_delete = permissions.can(request.user, "delete", memorial)
    context = {"form": form, "memorial": memorial, "can_delete": can_delete, "conflict": conflict}
    return render(request, "memorial/memorial_form.html", context, status=status)


@sign_in_to_act
def memorial_delete(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "delete")
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != memorial.full_name:
            messages.error(request, _("Type the name exactly as it is written to confirm."))
            return render(request, "memorial/memorial_delete.html", {"memorial": memorial}, status=400)
        services.delete_memorial(memorial=memorial, by=request.user)
        messages.success(
            request,
            _("The memorial is deleted and hidden from everyone. You can restore it from this page until %(date)s.")
            % {"date": formats.date_format(memorial.purge_after, "DATE_FORMAT")},
        )
        return redirect("memorial:dashboard")
    return render(
        request, "memorial/memorial_delete.html", {"memorial": memorial, "days": settings.MEMORIAL_RESTORE_DAYS}
    )


@sign_in_to_act
@require_POST
def memorial_restore(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "restore")
    services.restore_memorial(memorial=memorial, by=request.user)
    messages.success(request, _("The memorial is back, as it was."))
    return redirect(memorial)


@sign_in_to_act
def timeline_add(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "edit")
    form = TimelineEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_timeline_event(
            memorial=memorial,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            **form.event_date(),
        )
        messages.success(request, _("The event was added to the timeline."))
        return redirect(memorial.get_absolute_url() + "#timeline")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "memorial/simple_form.html",
        {"form": form, "memorial": memorial, "title": _("Add to the timeline")},
        status=status,
    )


@sign_in_to_act
@require_POST
def timeline_delete(request, slug, event_id):
    memorial = permissions.memorial_for(request.user, slug, "edit")
    get_object_or_404(TimelineEvent, pk=event_id, memorial=memorial).delete()
    messages.success(request, _("The event was removed from the timeline."))
    return redirect(memorial.get_absolute_url() + "#timeline")


@sign_in_to_act
def members(request, slug, *, invitation_form=None):
    memorial = permissions.memorial_for(request.user, slug, "invite")
    invitation_form = invitation_form or InvitationForm()
    context = {
        "memorial": memorial,
        "memberships": Membership.objects.filter(memorial=memorial).select_related("user").order_by("created_at"),
        "invitations": [
            (invitation, request.build_absolute_uri(membership.invitation_path(invitation)))
            for invitation in memorial.invitations.all()
        ],
        "removals": membership.removals_of(memorial),
        "invitation_form": invitation_form,
        "role_choices": [c for c in Role.choices if c[0] != Role.OWNER],
        "is_owner": permissions.can(request.user, "transfer", memorial),
        "members_parts": extensions.members_parts(request, memorial),
    }
    return render(request, "memorial/members.html", context, status=400 if invitation_form.errors else 200)


@sign_in_to_act
@require_POST
def invitation_create(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "invite")
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return members(request, slug, invitation_form=form)
    membership.create_invitation(memorial=memorial, by=request.user, **form.cleaned_data)
    messages.success(request, _("A new invitation link is ready: copy it below and send it to your family."))
    return redirect("memorial:members", memorial.slug)


@sign_in_to_act
@require_POST
def invitation_revoke(request, slug, invitation_id):
    memorial = permissions.memorial_for(request.user, slug, "invite")
    invitation = get_object_or_404(memorial.invitations, pk=invitation_id)
    membership.revoke_invitation(invitation=invitation)
    messages.success(request, _("The invitation was withdrawn."))
    return redirect("memorial:members", memorial.slug)


def _change_members(request, slug, membership_id, action, change):
    """Load the memorial for ``action`` and one of its memberships, apply ``change`` to it, and
    say how it went on the members page."""
    memorial = permissions.memorial_for(request.user, slug, action)
    member = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, memorial=memorial)
    try:
        change(memorial, member)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The members were updated."))
    return redirect("memorial:members", memorial.slug)


@sign_in_to_act
@require_POST
def member_role(request, slug, membership_id):
    def change(memorial, member):
        form = RoleForm(request.POST)
        if not form.is_valid():
            raise ValueError(_("Choose manager, contributor or viewer."))
        membership.change_role(membership=member, role=form.cleaned_data["role"])

    return _change_members(request, slug, membership_id, "invite", change)


@sign_in_to_act
@require_POST
def member_remove(request, slug, membership_id):
    return _change_members(
        request,
        slug,
        membership_id,
        "invite",
        lambda memorial, member: membership.remove_member(membership=member, by=request.user),
    )


@sign_in_to_act
@require_POST
def member_make_owner(request, slug, membership_id):
    return _change_members(
        request,
        slug,
        membership_id,
        "transfer",
        lambda memorial, member: membership.transfer_ownership(memorial=memorial, to_user=member.user),
    )


def invitation_accept(request, token):
    try:
        invitation = membership.invitation_from_token(token)
        membership.check_not_removed(invitation, request.user)
    except membership.InvitationError as exc:
        return render(request, "memorial/invitation.html", {"error": str(exc)}, status=400)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership.accept_invitation(token=token, user=request.user)
        except membership.InvitationError as exc:
            return render(request, "memorial/invitation.html", {"error": str(exc)}, status=400)
        messages.success(request, _("Welcome. You are now a member of this memorial."))
        return redirect(invitation.memorial)
    return render(request, "memorial/invitation.html", {"invitation": invitation})


@sign_in_to_act
def album_create(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "create_album")
    form = AlbumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        album = services.create_album(memorial=memorial, by=request.user, **form.cleaned_data)
        return redirect(album)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "memorial/simple_form.html",
        {"form": form, "memorial": memorial, "title": _("New album")},
        status=status,
    )


def album_detail(request, slug, album_id, *, upload_form=None, status=200):
    memorial = permissions.memorial_for(request.user, slug)
    album = permissions.album_for(request.user, album_id, memorial=memorial)
    context = selectors.album_page(album, request.user)
    can_upload = permissions.can(request.user, "upload", memorial)
    context.update(
        memorial=memorial,
        upload_form=upload_form or PhotoUploadForm(),
        can_upload=can_upload,
        can_delete=permissions.can(request.user, "edit", memorial),
        # The memorial's storage: its usage for the managers, and a word to every uploader once full.
        storage=quota.usage(memorial) if can_upload else None,
        sees_storage=permissions.can(request.user, "edit", memorial),
    )
    return render(request, "memorial/album_detail.html", context, status=status)


@sign_in_to_act
def album_delete(request, slug, album_id):
    """Asks first (this page), then moves the album and its photos to the bin."""
    memorial = permissions.memorial_for(request.user, slug, "edit")
    album = permissions.album_for(request.user, album_id, "edit", memorial=memorial)
    if request.method == "POST":
        services.delete_album(album=album, by=request.user)
        messages.success(
            request,
            _(
                "The album “%(title)s” and its photos were moved to the bin. The memorial's managers can "
                "restore them from there for %(days)d days."
            )
            % {"title": album.title, "days": bin.restore_days()},
        )
        return redirect(memorial)
    photo_count = permissions.photos_visible_to(request.user, memorial, album.photos.all()).count()
    context = {"memorial": memorial, "album": album, "photo_count": photo_count, "days": bin.restore_days()}
    return render(request, "memorial/album_delete.html", context)


@sign_in_to_act
@require_POST
def photo_upload(request, slug, album_id):
    memorial = permissions.memorial_for(request.user, slug, "upload")
    ratelimit.enforce(request, "upload")
    album = permissions.album_for(request.user, album_id, "upload", memorial=memorial)
    form = PhotoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return album_detail(request, slug, album_id, upload_form=form, status=400)
    outcomes = photos.add_photos(album=album, uploads=form.cleaned_data["files"], by=request.user)
    stored = sum(1 for o in outcomes if o.photo and not o.duplicate)
    if stored:
        messages.success(
            request, ngettext("%(count)d photo added.", "%(count)d photos added.", stored) % {"count": stored}
        )
    for outcome in outcomes:
        if outcome.duplicate:
            messages.info(request, _("%(name)s is already in this album.") % {"name": outcome.name})
        elif outcome.error:
            messages.error(request, f"{outcome.name}: {outcome.error}")
    if not any(o.photo for o in outcomes):
        return album_detail(request, slug, album_id, status=400)
    return redirect(album)


def _photo(request, slug, photo_id, action="view"):
    """The photo at this memorial's address, if the person may see it and do ``action``."""
    memorial = permissions.memorial_for(request.user, slug)
    return permissions.photo_for(request.user, photo_id, action, memorial=memorial)


@require_safe
def photo_detail(request, slug, photo_id):
    photo = _photo(request, slug, photo_id)
    memorial = photo.album.memorial
    context = {
        "memorial": memorial,
        "photo": photo,
        "perms": _perms(request, memorial),
        "caption_form": CaptionForm(initial={"caption": photo.caption}),
        "artworks": extensions.gallery("artworks", memorial, request.user, photo=photo),
    }
    context.update(comments_context(request, memorial, photo, reverse("memorial:photo_comment", args=[slug, photo.pk])))
    return render(request, "memorial/photo_detail.html", context)


def comments_context(request, memorial, target, post_url: str) -> dict:
    """What ``memorial/_comments.html`` shows under a photo or a painting (generation's page too)."""
    return {
        "comments": list(comments.comments_on(target, memorial=memorial, user=request.user)),
        "comment_form": CommentForm(guest=not request.user.is_authenticated),
        "comment_post_url": post_url,
        "comment_perms": {
            "condole": permissions.can(request.user, "condole", memorial),
            "moderate": permissions.can(request.user, "moderate", memorial),
        },
    }


def leave_comment(request, memorial, target):
    """Post a comment on ``target`` (loaded through ``permissions`` by the caller) and go back to it."""
    permissions.require(request.user, "condole", memorial)
    guest = not request.user.is_authenticated
    form = CommentForm(request.POST, guest=guest)
    anchor = target.get_absolute_url() + "#comments"
    ratelimit.enforce(request, "condolence")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(anchor)
    try:
        comment = comments.leave_comment(
            target=target,
            memorial=memorial,
            message=form.cleaned_data["message"],
            author=None if guest else request.user,
            guest_name=form.cleaned_data.get("guest_name", ""),
        )
    except comments.CommentRefused as exc:
        messages.error(request, str(exc))
        return redirect(anchor)
    if comment.status == Comment.Status.PUBLISHED:
        messages.success(request, _("Thank you. Your comment is on the page."))
    else:
        messages.success(request, _("Thank you. The family will see your comment before it appears on the page."))
    return redirect(anchor)


@require_POST
def photo_comment(request, slug, photo_id):
    photo = _photo(request, slug, photo_id)
    return leave_comment(request, photo.album.memorial, photo)


def _after_comment_decision(request, comment):
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(wanted)
    return redirect(comment.target.get_absolute_url() + "#comments")


@sign_in_to_act
@require_POST
def comment_report(request, slug, comment_id):
    memorial = permissions.memorial_for(request.user, slug)
    comment = permissions.comment_for(request.user, comment_id, "report", memorial=memorial)
    ratelimit.enforce(request, "report")
    visitor = visitors.visitor(request)
    counted = comments.report(
        comment=comment,
        reporter_key=visitor.key,
        network_key=visitor.network,
        reporter=request.user,
        reason=request.POST.get("reason", ""),
    )
    if counted:
        messages.success(request, _("Thank you. The family will look at this comment."))
    else:
        messages.info(request, _("You have already reported this comment. Thank you."))
    return _after_comment_decision(request, comment)


def _decide_comment(request, slug, comment_id, decide):
    memorial = permissions.memorial_for(request.user, slug)
    comment = permissions.comment_for(request.user, comment_id, "moderate", memorial=memorial)
    decide(comment=comment, by=request.user)
    messages.success(request, _("Done."))
    return _after_comment_decision(request, comment)


@sign_in_to_act
@require_POST
def comment_approve(request, slug, comment_id):
    return _decide_comment(request, slug, comment_id, comments.approve)


@sign_in_to_act
@require_POST
def comment_reject(request, slug, comment_id):
    return _decide_comment(request, slug, comment_id, comments.reject)


@sign_in_to_act
@require_POST
def comment_hide(request, slug, comment_id):
    return _decide_comment(request, slug, comment_id, comments.hide)


@sign_in_to_act
@require_POST
def comment_restore(request, slug, comment_id):
    return _decide_comment(request, slug, comment_id, comments.restore)


@sign_in_to_act
@require_POST
def photo_caption(request, slug, photo_id):
    photo = _photo(request, slug, photo_id, "edit")
    form = CaptionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("A caption can be at most 500 characters."), status=400)
    photos.update_caption(photo=photo, caption=form.cleaned_data["caption"])
    return redirect(photo.get_absolute_url())


@sign_in_to_act
@require_POST
def photo_make_cover(request, slug, photo_id):
    photo = _photo(request, slug, photo_id, "edit")
    memorial = photo.album.memorial
    services.update_memorial(memorial=memorial, cover_photo=photo)
    messages.success(request, _("The cover photo was changed."))
    return redirect(memorial)


@sign_in_to_act
@require_POST
def photo_hide(request, slug, photo_id):
    photo = _photo(request, slug, photo_id, "moderate")
    photos.set_hidden(photo=photo, hidden=True, by=request.user)
    return redirect(photo.get_absolute_url())


@sign_in_to_act
@require_POST
def photo_show(request, slug, photo_id):
    photo = _photo(request, slug, photo_id, "moderate")
    photos.set_hidden(photo=photo, hidden=False, by=request.user)
    return redirect(photo.get_absolute_url())


@sign_in_to_act
@require_POST
def photo_delete(request, slug, photo_id):
    photo = _photo(request, slug, photo_id, "edit")
    photos.delete_photo(photo=photo, by=request.user)
    messages.success(
        request,
        _("The photo was moved to the bin. The memorial's managers can restore it from there for %(days)d days.")
        % {"days": bin.restore_days()},
    )
    return redirect(photo.album)


# --- The bin ----------------------------------------------------------------------------------


@sign_in_to_act
def bin_page(request, slug):
    """What was deleted, by whom, when, and when it will be purged; restored in one step."""
    memorial = permissions.memorial_for(request.user, slug, "bin")
    context = {"memorial": memorial, "entries": bin.entries(memorial), "days": bin.restore_days()}
    return render(request, "memorial/bin.html", context)


@sign_in_to_act
@require_POST
def bin_restore(request, slug, kind, item_id):
    memorial = permissions.memorial_for(request.user, slug, "bin")
    item = permissions.binned_item_for(request.user, memorial, kind, item_id)
    try:
        bin.restore(item=item, by=request.user, memorial=memorial)
    except bin.RestoreRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("It is back, as it was."))
    return redirect("memorial:bin", memorial.slug)


@sign_in_to_act
@require_safe
def bin_thumbnail(request, slug, photo_id):
    """A photo's thumbnail for the bin page, binned or not (its managers only)."""
    memorial = permissions.memorial_for(request.user, slug, "bin")
    photo = permissions.bin_photo_for(request.user, memorial, photo_id)
    response = serve_file(request, photo.thumbnail, content_type="image/jpeg")
    return cache_for_viewers(response, public=False)


def photo_file(request, photo_id, size, slug=None):
    """A photo's thumbnail or screen-size file: at the memorial's address (``slug``), or by its
    id alone for a memorial listed to the person (``permissions``)."""
    field = {"thumb": "thumbnail", "screen": "screen"}.get(size)
    if field is None:
        raise Http404("No such size.")
    # A guest's phone asks once per photo of the page: from memory, like the page.
    guest = not request.user.is_authenticated
    memorial = None
    if slug is not None:
        memorial = permissions.memorial_for(request.user, slug, loader=page_cache.lookup if guest else None)
    photo = permissions.photo_for(
        request.user, photo_id, memorial=memorial, loader=page_cache.guest_photo if guest else None
    )
    memorial = memorial or photo.album.memorial
    response = serve_file(request, getattr(photo, field), content_type="image/jpeg")
    return cache_for_viewers(response, public=permissions.seen_by_every_visitor(photo, memorial))


@sign_in_to_act
def photo_original(request, photo_id, slug=None):
    memorial = permissions.memorial_for(request.user, slug) if slug is not None else None
    photo = permissions.photo_for(request.user, photo_id, "download_original", memorial=memorial)
    # Served as a download with a type no browser runs, whatever the file holds.
    return serve_file(
        request,
        photo.original,
        content_type="application/octet-stream",
        attachment_name=photo.original_name or f"photo-{photo.pk}",
    )


@require_POST
def condolence_create(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "condole")
    guest = not request.user.is_authenticated
    form = CondolenceForm(request.POST, guest=guest, language=memorial.language)
    anchor = memorial.get_absolute_url() + "#condolences"
    ratelimit.enforce(request, "condolence")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(anchor)
    try:
        condolence = condolences.leave_condolence(
            memorial=memorial,
            message=form.cleaned_data["message"],
            author=None if guest else request.user,
            guest_name=form.cleaned_data.get("guest_name", ""),
            relation=form.cleaned_data.get("relation", ""),
            email=form.cleaned_data.get("email", ""),
        )
    except condolences.CondolenceRefused as exc:
        messages.error(request, str(exc))
        return redirect(anchor)
    if condolence.status == Condolence.Status.PUBLISHED:
        messages.success(request, _("Thank you. Your message is on the page."))
    else:
        messages.success(request, _("Thank you. The family will see your message before it appears on the page."))
    return redirect(anchor)


def _after_decision(request, memorial):
    """Back where the decision was made (the page or the moderation queue): ``next`` is followed
    only to an address on this site; anything else goes back to the guestbook."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(wanted)
    return redirect(memorial.get_absolute_url() + "#condolences")


@sign_in_to_act
@require_POST
def condolence_report(request, slug, condolence_id):
    memorial = permissions.memorial_for(request.user, slug)
    condolence = permissions.condolence_for(request.user, condolence_id, "report", memorial=memorial)
    ratelimit.enforce(request, "report")
    visitor = visitors.visitor(request)
    counted = condolences.report(
        condolence=condolence,
        reporter_key=visitor.key,
        network_key=visitor.network,
        reporter=request.user,
        reason=request.POST.get("reason", ""),
    )
    if counted:
        messages.success(request, _("Thank you. The family will look at this message."))
    else:
        messages.info(request, _("You have already reported this message. Thank you."))
    return _after_decision(request, memorial)


def _decide(request, slug, condolence_id, decide):
    memorial = permissions.memorial_for(request.user, slug)
    condolence = permissions.condolence_for(request.user, condolence_id, "moderate", memorial=memorial)
    decide(condolence=condolence, by=request.user)
    messages.success(request, _("Done."))
    return _after_decision(request, memorial)


@sign_in_to_act
@require_POST
def condolence_approve(request, slug, condolence_id):
    return _decide(request, slug, condolence_id, condolences.approve)


@sign_in_to_act
@require_POST
def condolence_reject(request, slug, condolence_id):
    return _decide(request, slug, condolence_id, condolences.reject)


@sign_in_to_act
@require_POST
def condolence_hide(request, slug, condolence_id):
    return _decide(request, slug, condolence_id, condolences.hide)


@sign_in_to_act
@require_POST
def condolence_restore(request, slug, condolence_id):
    return _decide(request, slug, condolence_id, condolences.restore)


@require_POST
def offering_create(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "offer")
    ratelimit.enforce(request, "offering")
    kind = request.POST.get("kind")
    try:
        counted = offerings.make_offering(memorial=memorial, kind=kind, visitor_key=offerings.visitor_key_for(request))
    except ValueError:
        return HttpResponse(_("Unknown offering."), status=400)
    if counted:
        messages.success(request, _("Thank you for remembering %(name)s.") % {"name": memorial.full_name})
    else:
        messages.info(request, _("You have already done this today. Thank you for coming back."))
    return redirect(memorial.get_absolute_url() + "#offerings")


@sign_in_to_act
def moderation_queue(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "moderate")
    return render(
        request,
        "memorial/moderation.html",
        {
            "memorial": memorial,
            "condolences": selectors.pending_condolences(memorial),
            "pending_comments": comments.pending_comments(memorial),
            "contributions": contributions.pending(memorial),
        },
    )


def qr_code(request, slug, fmt):
    memorial = permissions.memorial_for(request.user, slug)
    if fmt not in qr.FORMATS:
        raise Http404("No such format.")
    # The configured public address, not whatever host this request came through.
    url = settings.SITE_URL + memorial.get_absolute_url()
    response = HttpResponse(qr.qr_code(url, fmt), content_type=qr.FORMATS[fmt])
    response["Content-Disposition"] = f'inline; filename="memorial-qr.{fmt}"'
    return response


# --- Download all memories ---------------------------------------------------------------------


@sign_in_to_act
def export_page(request, slug, *, gone=None):
    memorial = permissions.memorial_for(request.user, slug, "export")
    if request.method == "POST" and gone is None:
        ratelimit.enforce(request, "export")  # each packs every original: a few a day
        exporting.request_export(memorial=memorial, by=request.user)
        messages.success(
            request, _("Everything is being packed into one file. You can leave this page: it will be waiting here.")
        )
        return redirect("memorial:export", memorial.slug)
    exports = [(export, exporting.export_status(export, request.user)) for export in exporting.exports_of(memorial)]
    context = {
        "memorial": memorial,
        "exports": exports,
        "gone": gone,
        "ttl_hours": int(exporting.time_to_live().total_seconds() // 3600),
    }
    return render(request, "memorial/export.html", context, status=410 if gone else 200)


@sign_in_to_act
def export_status(request, export_id):
    response = JsonResponse(exporting.export_status(permissions.export_for(request.user, export_id), request.user))
    response["Cache-Control"] = "no-store"
    return response


@sign_in_to_act
def export_download(request, export_id):
    export = permissions.export_for(request.user, export_id)
    if export.status != MemorialExport.Status.SUCCEEDED:
        raise Http404("This download is not ready.")
    if not exporting.is_available(export):
        return export_page(request, export.memorial.slug, gone=export)
    base = slugify(export.memorial.full_name, allow_unicode=True) or "memorial"
    try:
        response = serve_file(
            request,
            export.file,
            content_type="application/zip",
            attachment_name=f"{base}-{export.created_at:%Y-%m-%d}.zip",
        )
    except Http404:  # the zip is no longer in storage
        return export_page(request, export.memorial.slug, gone=export)
    response["Cache-Control"] = "private, no-store"
    return response
