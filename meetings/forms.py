"""Input validation for the meeting pages of the staff: setting a meeting up, annulling it, signing in."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import MAX_PANEL_SEATS, Meeting
from portal.forms import RowsChoiceField, resident_label
from portal.idcard import IdNumberError, parse_id_number
from portal.models import Cadre, CadrePost
from portal.params import DB_INT_MAX
from ratings.models import RatingScheme


class CadreChoiceField(RowsChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        posts = ", ".join(str(post.get_post_display()) for post in obj.posts.all())
        return f"{obj.name} — {posts}" if posts else obj.name


class MeetingForm(forms.Form):
    """Create (without `meeting`) or edit (with it) a meeting of `village`.

    Once voting has opened the scheme, the cadres and the kind are shown but disabled: the service
    refuses to change them, and a disabled field keeps its initial value whatever is posted.
    """

    year = forms.IntegerField(
        label=_("Year reported on"),
        min_value=2000,
        max_value=2100,
        help_text=_("The year whose work the cadres report on."),
    )
    held_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    venue = forms.CharField(label=_("Venue"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Meeting.Kind.choices,
        help_text=_(
            "A villagers' assembly needs more than half of the roll present; a representatives' "
            "assembly more than two thirds of the representatives."
        ),
    )
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    scheme = forms.ModelChoiceField(
        label=_("Rating scheme"),
        queryset=RatingScheme.objects.all(),
        required=False,
        empty_label=_("Default scheme"),
    )
    quick_mode = forms.TypedChoiceField(
        label=_("Ballot"),
        choices=[
            ("", _("As the rating scheme says")),
            ("criteria", _("A grade on each criterion")),
            ("quick", _("Quick mode: one overall grade per cadre")),
        ],
        coerce=lambda value: value == "quick",
        empty_value=None,
        required=False,
        help_text=_(
            "Quick mode takes a villager about a fifth of the taps. The scheme itself is not changed: "
            "the meeting uses a copy of it in the chosen mode."
        ),
    )
    panel_seats = forms.IntegerField(
        label=_("Township panel seats"),
        min_value=0,
        max_value=MAX_PANEL_SEATS,
        initial=0,
        required=False,
        help_text=_(
            "How many members of the township panel vote at this meeting; 0 if none. Codes for the panel "
            "are printed up to this number."
        ),
    )
    phones_allowed = forms.BooleanField(
        label=_("Villagers may also vote on their own phones"),
        required=False,
        help_text=_(
            "The QR code on each slip then opens the ballot on the villager's phone over the venue's "
            "Wi-Fi (no app, no internet). Can be changed while voting is open."
        ),
    )
    spoken_ballot = forms.BooleanField(
        label=_("Spoken ballot"),
        required=False,
        help_text=_(
            "A listen button on every ballot screen reads it aloud in Mandarin or Uyghur, for villagers who "
            "read little. The voices are made on this computer when voting opens."
        ),
    )
    cadres = CadreChoiceField(
        label=_("Reporting cadres"),
        queryset=Cadre.objects.none(),
        help_text=_("They speak in the order of their posts: the Party branch first."),
    )

    def __init__(self, *args, village, meeting: Meeting | None = None, **kwargs):
        if meeting is not None:
            kwargs.setdefault(
                "initial",
                {
                    "year": meeting.year,
                    "held_at": timezone.localtime(meeting.held_at),
                    "venue": meeting.venue,
                    "kind": meeting.kind,
                    "agenda": meeting.agenda,
                    "panel_seats": meeting.panel_seats,
                    "phones_allowed": meeting.phones_allowed,
                    "spoken_ballot": meeting.spoken_ballot,
                    "scheme": meeting.scheme_id,
                    "cadres": [row.cadre_id for row in meeting.reporting.all()],
                },
            )
        super().__init__(*args, **kwargs)
        self.village, self.meeting = village, meeting
        # The township's own schemes and the county's presets; another township's is no choice.
        self.fields["scheme"].queryset = RatingScheme.objects.offered_to(village.township_id)
        # The village's current cadres, and those already chosen even if they have left since.
        current = Cadre.objects.serving_in(timezone.localdate().year).values("pk")
        chosen = meeting.reporting.values("cadre") if meeting is not None else []
        self.fields["cadres"].queryset = (
            Cadre.objects.in_village(village)
            .filter(Q(pk__in=current) | Q(pk__in=chosen))
            .with_posts()
            .order_by("name")
        )
        if meeting is not None:
            self.fields["year"].disabled = True
            # The meeting has a scheme: "the default one" is no longer a choice.
            self.fields["scheme"].required = True
            self.fields["scheme"].empty_label = None
            if meeting.is_frozen:
                for name in ("scheme", "quick_mode", "cadres", "kind", "panel_seats", "spoken_ballot"):
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _("Frozen: voting has opened.")
        self.helper = FormHelper()
        self.helper.add_input(
            Submit("save", _("Save the changes") if meeting is not None else _("Create the meeting"))
        )

    def clean_panel_seats(self):
        return self.cleaned_data["panel_seats"] or 0

    def clean_cadres(self):
        """The speaking order: by the highest post (CadrePost.RANK: the Party branch first), then by name.

        Cadres without a post speak last. The posts are those prefetched by `with_posts()`.
        """
        last = len(CadrePost.RANK)

        def highest_post(cadre: Cadre) -> int:
            return min((CadrePost.RANK[post.post] for post in cadre.posts.all()), default=last)

        return sorted(self.cleaned_data["cadres"], key=lambda cadre: (highest_post(cadre), cadre.name))


class AnnulForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for annulment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("It is shown publicly on the meeting's page."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("annul", _("Annul the meeting"), css_class="btn-danger"))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give the reason for annulling the meeting."))
        return reason


class SignInForm(forms.Form):
    """One resident to sign in; the view looks them up in the meeting's village only."""

    resident = forms.IntegerField(min_value=1, max_value=DB_INT_MAX, widget=forms.HiddenInput)


class IdSignInForm(forms.Form):
    """An ID card number, typed or read by a scanner (which types it and presses Enter).

    Posted, never in a URL, so that the number reaches no address bar, history or server log; the
    view matches it by the roll's keyed hash and does not show it back.
    """

    id_number = forms.CharField(
        label=_("ID card number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )

    def clean_id_number(self):
        try:
            return parse_id_number(self.cleaned_data["id_number"])
        except IdNumberError as error:
            raise forms.ValidationError(str(error)) from error


class ResidentsChoiceField(RowsChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return resident_label(obj)


class HouseholdSignInForm(forms.Form):
    """Who of a household to sign in: its members not yet signed in, all ticked; the clerk unticks
    anyone who did not come."""

    residents = ResidentsChoiceField(
        label=_("Members of the household"),
        queryset=None,
        error_messages={"required": _("Tick at least one person to sign in.")},
    )
    # The operator's search, carried back to the control page for the next person in the queue.
    q = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["residents"]
        field.queryset = members
        field.initial = [member.pk for member in members]
        self.helper = FormHelper()
        self.helper.add_input(Submit("sign_in", _("Sign in the ticked people"), css_class="btn-success"))
