from django import forms
from django.utils.translation import gettext_lazy as _

from generation import painting_settings as ps
from generation.models import Style
from generation.services import MAX_TRIBUTE_CHARS
from generation.subjects import EXAMPLE, MAX_SUBJECT_CHARS, clean_subject


class ArtworkRequestForm(forms.Form):
    style = forms.ModelChoiceField(
        label=_("Style"),
        queryset=Style.objects.filter(is_active=True),
        to_field_name="slug",
        widget=forms.RadioSelect,
        empty_label=None,
    )
    subject = forms.CharField(
        label=_("What the painting shows (optional, in English)"),
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"maxlength": MAX_SUBJECT_CHARS, "placeholder": EXAMPLE, "lang": "en"}),
        help_text=_(
            "A few English words for the painter, such as “an old woman smiling”. Left empty, it paints "
            "“a portrait of a person”. The photo's caption is not given to the painter."
        ),
    )

    def clean_subject(self) -> str:
        return clean_subject(self.cleaned_data.get("subject"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(advanced_fields())

    def advanced(self):
        """The bound fields of the "Advanced" part: the painting's own, then one group per unit."""
        top = [self[name] for name in ADVANCED_TOP]
        units = [
            (
                unit,
                ps.UNIT_MODULES[unit],
                [self[f"{unit}_{key}"] for key in UNIT_FORM_KEYS if f"{unit}_{key}" in self.fields],
            )
            for unit in ps.UNITS
        ]
        return {"top": top, "units": units}

    def clean(self):
        data = super().clean()
        style = data.get("style")
        if style is None or any(name in self.errors for name in self.fields if name not in ("style", "subject")):
            return data
        values = self.settings_values(data)
        # Each value on its own first, so that every bad one is shown beside its field at once;
        # then all together (what depends on two values, such as steps × denoising strength).
        singles = [{key: value} for key, value in values.items() if key != "controlnet"]
        singles += [{"controlnet": {unit: chosen}} for unit, chosen in values.get("controlnet", {}).items()]
        for single in singles:
            try:
                ps.clean(single, style)
            except ps.SettingsError as exc:
                self._setting_error(exc)
        if not self.errors:
            try:
                data["settings"] = ps.clean(values, style)
            except ps.SettingsError as exc:
                self._setting_error(exc)
        return data

    def _setting_error(self, exc) -> None:
        name = form_field(exc.field)
        if name in self.fields and name in self.errors:
            return  # one sentence per field
        self.add_error(name if name in self.fields else None, str(exc))

    def settings_values(self, data) -> dict:
        """The nested settings (painting_settings' shape) from the flat fields; empty ones left out."""
        values = {name: data.get(name) for name in ADVANCED_TOP if data.get(name) not in (None, "")}
        units = {}
        for unit in ps.UNITS:
            chosen = {}
            for key in UNIT_FORM_KEYS:
                value = data.get(f"{unit}_{key}")
                if key == "enabled":
                    value = {"on": True, "off": False}.get(value)
                if value not in (None, ""):
                    chosen[key] = value
            if chosen:
                units[unit] = chosen
        if units:
            values["controlnet"] = units
        return values


ADVANCED_TOP = ("seed", "denoising_strength", "steps", "cfg_scale", "sampler_name", "negative_prompt", "candidates")
UNIT_FORM_KEYS = ps.UNIT_KEYS


def form_field(setting: str) -> str:
    """The form's field of a setting's dotted name: ``controlnet.depth.weight`` -> ``depth_weight``."""
    parts = setting.split(".")
    return f"{parts[1]}_{parts[2]}" if len(parts) == 3 and parts[0] == "controlnet" else parts[-1]


def _text(label, help_text="", **attrs):
    # Text inputs: the form checks nothing itself, so every refusal is painting_settings' sentence
    # naming the bad value (a number field would refuse "abc" with a sentence of its own).
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs}),
    )


def advanced_fields() -> dict:
    """The fields of the "Advanced" part; every one may be left empty for the style's value."""
    fields = {
        "seed": _text(
            _("Seed"),
            _("A whole number from 0 to %(max)d paints the same picture again; empty or “vary”: a new one.")
            % {"max": ps.MAX_SEED},
            placeholder="vary",
        ),
        "denoising_strength": _text(
            _("Denoising strength"), _("How far the painting may move from the photo, above 0 up to 1.")
        ),
        "steps": _text(_("Steps"), _("1 to %(max)d.") % {"max": ps.MAX_STEPS}, inputmode="numeric"),
        "cfg_scale": _text(_("CFG scale"), _("How closely it follows the prompt, 0 to %(max)d.") % {"max": ps.MAX_CFG}),
        "sampler_name": forms.ChoiceField(
            label=_("Sampler"),
            required=False,
            choices=[("", _("The style's"))] + [(name, name) for name in ps.SAMPLERS],
        ),
        "negative_prompt": forms.CharField(
            label=_("Extra negative prompt (in English)"),
            required=False,
            strip=True,
            help_text=_("Words the painting should avoid, added after the style's own (at most %(max)d characters).")
            % {"max": ps.MAX_NEGATIVE_CHARS},
            widget=forms.TextInput(attrs={"lang": "en"}),
        ),
        "candidates": _text(
            _("Candidates"),
            _("How many paintings to make, keeping the most faithful: 1 to %(max)d.") % {"max": ps.MAX_CANDIDATES},
            inputmode="numeric",
        ),
    }
    for unit in ps.UNITS:
        fields[f"{unit}_enabled"] = forms.ChoiceField(
            label=_("Use it"),
            required=False,
            choices=[("", _("The style's")), ("on", _("On")), ("off", _("Off"))],
        )
        fields[f"{unit}_weight"] = _text(_("Weight"), _("0 to %(max)d.") % {"max": ps.MAX_WEIGHT})
        fields[f"{unit}_guidance_start"] = _text(_("Guidance start"), _("0 to 1, the share of steps before it guides."))
        fields[f"{unit}_guidance_end"] = _text(_("Guidance end"), _("0 to 1, the share of steps after which it stops."))
        fields[f"{unit}_processor_res"] = _text(
            _("Annotator resolution"),
            _("%(low)d to %(high)d, a multiple of 8; empty: the painting's size.")
            % {"low": ps.MIN_PROCESSOR_RES, "high": ps.MAX_PROCESSOR_RES},
            inputmode="numeric",
        )
        thresholds = ps.THRESHOLDS[unit]
        if thresholds:
            for key, spec in zip(("threshold_a", "threshold_b"), thresholds, strict=True):
                fields[f"{unit}_{key}"] = _text(
                    spec.label, _("%(low)s to %(high)s.") % {"low": spec.low, "high": spec.high}
                )
    return fields


def style_placeholders(form: ArtworkRequestForm, style: Style | None) -> None:
    """Show the style's values as the placeholders of the empty fields (what empty means)."""
    if style is None:
        return
    values = ps.defaults(style)
    for name in ("denoising_strength", "steps", "cfg_scale", "candidates"):
        if values[name] is not None:
            form.fields[name].widget.attrs["placeholder"] = str(values[name])
    for unit in ps.UNITS:
        for key in ("weight", "guidance_start", "guidance_end", "threshold_a", "threshold_b"):
            field = form.fields.get(f"{unit}_{key}")
            if field is not None and values["controlnet"][unit][key] is not None:
                field.widget.attrs["placeholder"] = str(values["controlnet"][unit][key])


class TributeEditForm(forms.Form):
    text = forms.CharField(
        label=_("The words that come with the painting"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_TRIBUTE_CHARS,
    )
