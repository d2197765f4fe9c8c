"""Pages where guests send their own photos and stories, and where the managers decide about
them. Thin, as memorial/views.py."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core import ratelimit
from core.serving import serve_file
from memorial import contributions, permissions
from memorial.forms import GuestPhotoForm, GuestStoryForm
from memorial.imaging import ImageRejected

sign_in_to_act = permissions.sign_in_to_act


def share(request, slug):
    memorial = permissions.memorial_for(request.user, slug)
    permissions.require_send_memories(request.user, memorial)
    guest = not request.user.is_authenticated
    photo_form = GuestPhotoForm(guest=guest, prefix="photo")
    story_form = GuestStoryForm(guest=guest, prefix="story")
    status = 200
    if request.method == "POST":
        ratelimit.enforce(request, "condolence")
        kind = request.POST.get("kind")
        if kind == "photo":
            photo_form = GuestPhotoForm(request.POST, request.FILES, guest=guest, prefix="photo")
            form = photo_form
        elif kind == "story":
            story_form = GuestStoryForm(request.POST, guest=guest, prefix="story")
            form = story_form
        else:
            return HttpResponse(_("Choose a photo or a story to send."), status=400)
        if form.is_valid():
            try:
                if kind == "photo":
                    contributions.send_photo(
                        memorial=memorial,
                        upload=form.cleaned_data["photo"],
                        author=request.user,
                        guest_name=form.cleaned_data.get("guest_name", ""),
                        caption=form.cleaned_data["caption"],
                    )
                else:
                    contributions.send_story(
                        memorial=memorial,
                        story=form.cleaned_data["story"],
                        author=request.user,
                        guest_name=form.cleaned_data.get("guest_name", ""),
                    )
            except (ImageRejected, contributions.ContributionRefused) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Thank you. The family will see it before it appears on the page."))
                return redirect(memorial)
        status = 400
    context = {"memorial": memorial, "photo_form": photo_form, "story_form": story_form}
    return render(request, "memorial/share.html", context, status=status)


def _decide(request, slug, contribution_id, decide, done: str):
    memorial = permissions.memorial_for(request.user, slug)
    contribution = permissions.contribution_for(request.user, contribution_id, memorial=memorial)
    try:
        decide(contribution=contribution, by=request.user)
    except ImageRejected as exc:  # the memorial has no room left for the photo
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("memorial:moderation", slug=memorial.slug)


@sign_in_to_act
@require_POST
def contribution_approve(request, slug, contribution_id):
    return _decide(request, slug, contribution_id, contributions.approve, _("Approved: it is on the memorial now."))


@sign_in_to_act
@require_POST
def contribution_reject(request, slug, contribution_id):
    return _decide(request, slug, contribution_id, contributions.reject, _("Rejected and deleted."))


@sign_in_to_act
@require_safe
def contribution_preview(request, slug, contribution_id):
    memorial = permissions.memorial_for(request.user, slug)
    contribution = permissions.contribution_for(request.user, contribution_id, memorial=memorial)
    if not contribution.preview:
        from django.http import Http404

        raise Http404("No preview.")
    response = serve_file(request, contribution.preview, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


@sign_in_to_act
@require_POST
def guest_memories_setting(request, slug):
    memorial = permissions.memorial_for(request.user, slug, "edit")
    accepts = request.POST.get("accepts") == "on"
    contributions.set_accepting(memorial=memorial, accepts=accepts, by=request.user)
    if accepts:
        messages.success(request, _("Guests may now send photos and stories; you approve each one here."))
    else:
        messages.success(request, _("Guests can no longer send photos and stories."))
    return redirect("memorial:moderation", slug=memorial.slug)
