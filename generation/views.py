"""Pages to ask for an artwork, follow its job, and see it beside the photo. Thin views."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core import ratelimit
from core.serving import cache_for_viewers, serve_file
from generation import selectors, services
from generation.forms import ArtworkRequestForm, TributeEditForm
from memorial import permissions
from memorial.models import Photo, Visibility


@login_required
def request_artwork_view(request, photo_id):
    photo = get_object_or_404(Photo.objects.select_related("album__memorial"), pk=photo_id, hidden=False)
    permissions.require(request.user, "create_artwork", photo.album.memorial)
    form = ArtworkRequestForm(request.POST or None)
    context = {"form": form, "photo": photo, "memorial": photo.album.memorial, "styles": selectors.active_styles()}
    if request.method == "POST":
        ratelimit.enforce(request, "artwork")
        if not form.is_valid():
            return render(request, "generation/request.html", context, status=400)
        try:
            job = services.request_artwork(photo=photo, style=form.cleaned_data["style"], by=request.user)
        except services.ArtworkRefused as exc:
            messages.error(request, str(exc))
            return render(request, "generation/request.html", context, status=400)
        return redirect(job)
    return render(request, "generation/request.html", context)


@login_required
def job_detail(request, job_id):
    job = selectors.job_for(request.user, job_id)
    can_cancel = job.requested_by_id == request.user.pk or permissions.can(request.user, "moderate", job.memorial)
    return render(
        request, "generation/job.html", {"job": job, "status": selectors.job_status(job), "can_cancel": can_cancel}
    )


@login_required
@never_cache
def job_status(request, job_id):
    return JsonResponse(selectors.job_status(selectors.job_for(request.user, job_id)))


@login_required
@require_POST
def job_cancel(request, job_id):
    job = selectors.job_for(request.user, job_id)
    if job.requested_by_id != request.user.pk:
        permissions.require(request.user, "moderate", job.memorial)
    services.cancel_job(job=job)
    messages.info(request, _("The painting was cancelled."))
    return redirect(job)


def artwork_detail(request, artwork_id):
    artwork = selectors.artwork_for(request.user, artwork_id)
    if request.method == "POST":
        return _artwork_post(request, artwork)
    tribute = getattr(artwork, "tribute", None)
    context = {
        "artwork": artwork,
        "memorial": artwork.memorial,
        "tribute": tribute,
        "narration": getattr(tribute, "narration", None) if tribute else None,
        "can_manage": permissions.can(request.user, "publish_artwork", artwork.memorial),
        "edit_form": TributeEditForm(initial={"text": tribute.text}) if tribute else None,
    }
    return render(request, "generation/artwork.html", context)


def _artwork_post(request, artwork):
    permissions.require(request.user, "publish_artwork", artwork.memorial)
    action = request.POST.get("do")
    if action in {"publish", "unpublish"}:
        services.publish_artwork(artwork=artwork, by=request.user, published=action == "publish")
        messages.success(
            request,
            _("The painting is now on the memorial page.")
            if action == "publish"
            else _("The painting is now seen by the family only."),
        )
    elif action == "delete":
        memorial = artwork.memorial
        services.delete_artwork(artwork=artwork, by=request.user)
        messages.success(request, _("The painting was deleted."))
        return redirect(memorial)
    elif action == "edit_text":
        tribute = getattr(artwork, "tribute", None)
        form = TributeEditForm(request.POST)
        if tribute is None:
            raise Http404("No text.")
        if not form.is_valid():
            return render(
                request,
                "generation/artwork.html",
                {
                    "artwork": artwork,
                    "memorial": artwork.memorial,
                    "tribute": tribute,
                    "narration": getattr(tribute, "narration", None),
                    "can_manage": True,
                    "edit_form": form,
                },
                status=400,
            )
        try:
            services.edit_tribute(tribute=tribute, text=form.cleaned_data["text"], by=request.user)
        except services.ArtworkRefused as exc:
            messages.error(request, str(exc))
            return redirect(artwork)
        messages.success(request, _("The words were saved; the recording is being made again."))
    else:
        return HttpResponse(_("Unknown action."), status=400)
    return redirect(artwork)


def _file_response(request, field, content_type, artwork, attachment_name=None):
    response = serve_file(request, field, content_type=content_type, attachment_name=attachment_name)
    public = artwork.published and artwork.memorial.visibility != Visibility.PRIVATE
    return cache_for_viewers(response, public=public)


def artwork_image(request, artwork_id):
    artwork = selectors.artwork_for(request.user, artwork_id, for_files=True)
    download = f"artwork-{artwork.pk}.png" if request.GET.get("download") else None
    return _file_response(request, artwork.image, "image/png", artwork, attachment_name=download)


def artwork_thumbnail(request, artwork_id):
    artwork = selectors.artwork_for(request.user, artwork_id, for_files=True)
    if not artwork.thumbnail:  # painted before galleries had thumbnails
        return _file_response(request, artwork.image, "image/png", artwork)
    return _file_response(request, artwork.thumbnail, "image/jpeg", artwork)


def narration_audio(request, artwork_id):
    artwork = selectors.artwork_for(request.user, artwork_id)
    narration = getattr(getattr(artwork, "tribute", None), "narration", None)
    if narration is None:
        raise Http404("No recording.")
    return _file_response(request, narration.audio, narration.content_type, artwork)
