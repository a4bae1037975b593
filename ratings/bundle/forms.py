from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(label=_("Meeting bundle (.zip)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Check and import")))

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        if upload.size > settings.BUNDLE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than a meeting bundle may be."))
        return upload
