"""Pages to ask for an artwork, follow its job, and see it beside the photo. Thin views: the
object comes from `memorial.permissions` (through `generation.selectors`) already checked for
the action, and each action the artwork page offers has its own address."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from core import ratelimit
from core.serving import cache_for_viewers, serve_file
from generation import candidates, family_voice, link_preview, selectors, services
from generation.forms import ArtworkRequestForm, TributeEditForm, form_field, style_placeholders
from memorial import permissions
from memorial import views as memorial_views

sign_in_to_act = permissions.sign_in_to_act


@sign_in_to_act
def request_artwork_view(request, photo_id, slug=None):
    memorial = permissions.memorial_for(request.user, slug) if slug is not None else None
    photo = permissions.photo_for(request.user, photo_id, "create_artwork", memorial=memorial)
    form = ArtworkRequestForm(request.POST or None)
    styles = selectors.active_styles()
    chosen = next((s for s in styles if s.slug == form["style"].value()), None) or styles.first()
    style_placeholders(form, chosen)
    context = {
        "form": form,
        "photo": photo,
        "memorial": photo.album.memorial,
        "styles": styles,
        "placeholder_style": chosen,
        "ai_painter": selectors.ai_painter_configured(),
    }
    if request.method == "POST":
        ratelimit.enforce(request, "artwork")
        if not form.is_valid():
            return render(request, "generation/request.html", context, status=400)
        try:
            job = services.request_artwork(
                photo=photo,
                style=form.cleaned_data["style"],
                by=request.user,
                subject=form.cleaned_data["subject"],
                settings=form.cleaned_data["settings"],
            )
        except services.SettingsRefused as exc:
            form.add_error(form_field(exc.field) if form_field(exc.field) in form.fields else None, str(exc))
            return render(request, "generation/request.html", context, status=400)
        except services.ArtworkRefused as exc:
            messages.error(request, str(exc))
            return render(request, "generation/request.html", context, status=400)
        return redirect(job)
    return render(request, "generation/request.html", context)


def job_detail(request, job_id):
    job = selectors.job_for(request.user, job_id)
    can_cancel = permissions.can_cancel_job(request.user, job)
    return render(
        request,
        "generation/job.html",
        {"job": job, "status": selectors.job_status(job, request.user), "can_cancel": can_cancel},
    )


@never_cache
def job_status(request, job_id):
    return JsonResponse(selectors.job_status(selectors.job_for(request.user, job_id), request.user))


@require_POST
def job_cancel(request, job_id):
    job = selectors.job_for(request.user, job_id, "cancel")
    try:
        services.cancel_job(job=job, by=request.user)
    except services.JobAlreadyEnded as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("The painting was cancelled."))
    return redirect(job)


def _artwork_page(request, artwork, *, edit_form=None, status=200):
    tribute = getattr(artwork, "tribute", None)
    if edit_form is None and tribute is not None:
        edit_form = TributeEditForm(initial={"text": tribute.text})
    can_manage = permissions.can(request.user, "publish_artwork", artwork.memorial)
    played = family_voice.played(artwork)
    context = {
        "artwork": artwork,
        "memorial": artwork.memorial,
        "tribute": tribute,
        "narration": played,
        "narration_url": f"{artwork.file_url('narration')}?v={played.version}" if played else "",
        "can_manage": can_manage,
        "guidance": artwork.guidance() if permissions.sees_artwork_guidance(request.user, artwork.memorial) else [],
        "candidates": selectors.candidates_for(request.user, artwork),
        "family": selectors.sees_candidates(request.user, artwork),  # the likeness sentence is advice to them
        "can_paint_again": permissions.can(request.user, "create_artwork", artwork.memorial),
        "settings_rows": selectors.settings_rows(artwork) if selectors.sees_candidates(request.user, artwork) else [],
        "edit_form": edit_form,
        **(selectors.family_voice_context(artwork) if can_manage else {}),
        "preview": link_preview.artwork_tags(artwork),
        "share": link_preview.artwork_share(artwork) if artwork.published else None,
        **memorial_views.comments_context(
            request,
            artwork.memorial,
            artwork,
            reverse("generation:memorial_artwork_comment", args=[artwork.memorial.slug, artwork.pk]),
        ),
    }
    return render(request, "generation/artwork.html", context, status=status)


@require_POST
def artwork_comment(request, artwork_id, slug):
    """A visitor's comment on a painting they see (a published one, for guests)."""
    artwork = selectors.artwork_for(request.user, artwork_id, slug=slug)
    return memorial_views.leave_comment(request, artwork.memorial, artwork)


@require_safe
def artwork_detail(request, artwork_id, slug=None):
    return _artwork_page(request, selectors.artwork_for(request.user, artwork_id, slug=slug))


@sign_in_to_act
@require_POST
def artwork_paint_again(request, artwork_id, slug=None, vary=False):
    """A new job with this painting's settings: its seed (the same painting) or, to vary, a new one."""
    artwork = selectors.artwork_for(request.user, artwork_id, "create_artwork", slug=slug)
    ratelimit.enforce(request, "artwork")
    try:
        job = services.paint_again(artwork=artwork, by=request.user, vary=vary)
    except services.ArtworkRefused as exc:
        messages.error(request, str(exc))
        return redirect(artwork)
    return redirect(job)


@sign_in_to_act
@require_POST
def artwork_publish(request, artwork_id, slug=None):
    artwork = selectors.artwork_for(request.user, artwork_id, "publish_artwork", slug=slug)
    services.publish_artwork(artwork=artwork, by=request.user, published=True)
    messages.success(request, _("The painting is now on the memorial page."))
    return redirect(artwork)


@sign_in_to_act
@require_POST
def artwork_unpublish(request, artwork_id, slug=None):
    artwork = selectors.artwork_for(request.user, artwork_id, "publish_artwork", slug=slug)
    services.publish_artwork(artwork=artwork, by=request.user, published=False)
    messages.success(request, _("The painting is now seen by the family only."))
    return redirect(artwork)


@sign_in_to_act
def artwork_delete(request, artwork_id, slug=None):
    """Asks first (this page), then moves the painting to the memorial's bin."""
    artwork = selectors.artwork_for(request.user, artwork_id, "publish_artwork", slug=slug)
    memorial = artwork.memorial
    days = settings.MEMORIAL_RESTORE_DAYS
    if request.method == "POST":
        services.delete_artwork(artwork=artwork, by=request.user)
        messages.success(
            request,
            _("The painting was moved to the bin. The memorial's managers can restore it from there for %(days)d days.")
            % {"days": days},
        )
        return redirect(memorial)
    return render(request, "generation/artwork_delete.html", {"artwork": artwork, "memorial": memorial, "days": days})


@sign_in_to_act
@require_POST
def artwork_words(request, artwork_id, slug=None):
    artwork = selectors.artwork_for(request.user, artwork_id, "publish_artwork", slug=slug)
    tribute = getattr(artwork, "tribute", None)
    if tribute is None:
        raise Http404("No text.")
    form = TributeEditForm(request.POST)
    if not form.is_valid():
        return _artwork_page(request, artwork, edit_form=form, status=400)
    try:
        services.edit_tribute(tribute=tribute, text=form.cleaned_data["text"], by=request.user)
    except services.ArtworkRefused as exc:
        messages.error(request, str(exc))
        return redirect(artwork)
    messages.success(request, _("The words were saved; the recording is being made again."))
    return redirect(artwork)


def _file_response(request, field, content_type, artwork, attachment_name=None):
    response = serve_file(request, field, content_type=content_type, attachment_name=attachment_name)
    return cache_for_viewers(response, public=permissions.seen_by_every_visitor(artwork))


def artwork_image(request, artwork_id, slug=None):
    artwork = selectors.artwork_for(request.user, artwork_id, slug=slug, for_files=True)
    download = f"artwork-{artwork.pk}.png" if request.GET.get("download") else None
    return _file_response(request, artwork.image, "image/png", artwork, attachment_name=download)


@require_safe
def artwork_preview_card(request, artwork_id, slug):
    """The painting's link preview card, for crawlers (no cookies): at its memorial's own address
    only, for a published painting of a public or unlisted memorial; a 404 otherwise."""
    artwork = selectors.preview_artwork_for(artwork_id, slug=slug)
    response = serve_file(request, link_preview.artwork_card(artwork), content_type="image/jpeg")
    return cache_for_viewers(response, public=True)


def candidate_image(request, artwork_id, candidate_id, slug=None):
    """Another painting of the job, for the family only (never cached by shared caches)."""
    artwork, candidate = selectors.candidate_for(request.user, artwork_id, candidate_id, slug=slug)
    return cache_for_viewers(serve_file(request, candidate.image, content_type="image/png"), public=False)


@sign_in_to_act
@require_POST
def candidate_choose(request, artwork_id, candidate_id, slug=None):
    artwork, candidate = selectors.candidate_for(request.user, artwork_id, candidate_id, "publish_artwork", slug=slug)
    artwork = candidates.choose_candidate(artwork=artwork, candidate=candidate, by=request.user)
    messages.success(request, _("The painting you chose is now shown; the one it replaced is kept among the others."))
    return redirect(artwork)


def artwork_thumbnail(request, artwork_id, slug=None):
    artwork = selectors.artwork_for(request.user, artwork_id, slug=slug, for_files=True)
    if not artwork.thumbnail:  # painted before galleries had thumbnails
        return _file_response(request, artwork.image, "image/png", artwork)
    return _file_response(request, artwork.thumbnail, "image/jpeg", artwork)


@require_safe
def artwork_control(request, artwork_id, kind, slug):
    """One of the control images that guided the painting ("pose", "depth", "lines"): the family's."""
    artwork = selectors.artwork_guidance_for(request.user, artwork_id, slug=slug)
    field = artwork.control_file(kind)
    if field is None:
        raise Http404("No such control image.")
    response = serve_file(request, field, content_type="image/png")
    return cache_for_viewers(response, public=False)


def narration_audio(request, artwork_id, slug=None):
    """What the painting plays: the synthetic voice, or the family's recording when it is chosen.
    ``?voice=family`` or ``?voice=synthetic`` lets those who choose hear either one first."""
    artwork = selectors.artwork_for(request.user, artwork_id, slug=slug)
    voice = request.GET.get("voice")
    preview = voice in ("family", "synthetic") and permissions.can(request.user, "publish_artwork", artwork.memorial)
    played = family_voice.played(artwork, voice if preview else None)
    if played is None:
        raise Http404("No recording.")
    response = serve_file(request, played.audio, content_type=played.content_type)
    return cache_for_viewers(response, public=not preview and permissions.seen_by_every_visitor(artwork))


# --- The family's own voice (generation/family_voice.py) ------------------------------------------


def _refused_on_page(request, artwork, exc):
    messages.error(request, str(exc))
    return _artwork_page(request, artwork, status=400)


@sign_in_to_act
@require_POST
def artwork_recording(request, artwork_id, slug=None):
    """A recording of the words, made in the browser or uploaded: played instead of the synthetic voice."""
    artwork = selectors.artwork_for(request.user, artwork_id, "publish_artwork", slug=slug)
    ratelimit.enforce(request, "upload")
    try:
        family_voice.add_recording(artwork=artwork, upload=request.FILES.get("audio"), by=request.user)
    except family_voice.RecordingRefused as exc:
        return _refused_on_page(request, artwork, exc)
    messages.success(request, _("The family's recording is now played with the painting."))
    return redirect(artwork)


@sign_in_to_act
@require_POST
def artwork_voice(request, artwork_id, slug=None):
    artwork = selectors.artwork_for(request.user, artwork_id, "publish_artwork", slug=slug)
    try:
        voice = family_voice.choose_voice(artwork=artwork, voice=request.POST.get("voice", ""), by=request.user)
    except family_voice.RecordingRefused as exc:
        return _refused_on_page(request, artwork, exc)
    if voice == "family":
        messages.success(request, _("The family's recording is now played with the painting."))
    else:
        messages.success(request, _("The synthetic voice is now played with the painting."))
    return redirect(artwork)


@sign_in_to_act
@require_POST
def artwork_recording_delete(request, artwork_id, slug=None):
    artwork = selectors.artwork_for(request.user, artwork_id, "publish_artwork", slug=slug)
    try:
        family_voice.remove_recording(artwork=artwork, by=request.user)
    except family_voice.RecordingRefused as exc:
        return _refused_on_page(request, artwork, exc)
    messages.success(request, _("The family's recording was deleted; the synthetic voice is played again."))
    return redirect(artwork)
