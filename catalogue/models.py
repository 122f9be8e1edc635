import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now

from organisms.models import Organism
from organisms.validators import validate_siret

from . import rules
from .choices import Audience, Axis, EnglishSector, Funder, Level, Pay, RemoteKind, TeachingMode
from .rules import EVALUATED_STATES, active_label_q

PUBLIC_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


PUBLIC_ID_SPACE = len(PUBLIC_ID_ALPHABET) ** 10


def feed_source_field(record: str) -> models.CharField:
    """The feed a record came from: a feed archives only what it brought (exchange.lheo_import)."""
    return models.CharField(
        "flux d'origine",
        max_length=50,
        blank=True,
        help_text=f"Nom du flux qui a créé {record} ; vide pour une saisie ou un dépôt de l'organisme.",
    )


def new_public_id() -> str:
    """A short, unguessable identifier for public URLs (no sequential primary keys in URLs): 10 letters drawn
    uniformly from the alphabet (one draw from the system's random source, spelt in base 31)."""
    number, letters = secrets.randbelow(PUBLIC_ID_SPACE), []
    for _ in range(10):
        number, digit = divmod(number, len(PUBLIC_ID_ALPHABET))
        letters.append(PUBLIC_ID_ALPHABET[digit])
    return "".join(letters)


# Reference data ---------------------------------------------------------------------------------


class Region(models.Model):
    """A region (INSEE code): the portal's home region is PORTAL_REGION_CODE, places are known for all of France."""

    code = models.CharField("code", max_length=2, unique=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        verbose_name_plural = "régions"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Department(models.Model):
    code = models.CharField("code", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    region_code = models.CharField("code de la région", max_length=2)

    class Meta:
        verbose_name = "département"
        verbose_name_plural = "départements"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    """A commune of France (INSEE code) or an arrondissement of Paris, Lyon or Marseille, with its postcodes and
    centre."""

    class Kind(models.TextChoices):
        COMMUNE = "COM", "Commune"
        ARRONDISSEMENT = "ARM", "Arrondissement municipal"

    code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=100)
    # The name folded as people type it (catalogue.search.text.simplify): "saint maur des fosses".
    search_name = models.CharField("nom simplifié (recherche)", max_length=100, default="", editable=False)
    kind = models.CharField("type", max_length=3, choices=Kind.choices, default=Kind.COMMUNE)
    parent = models.ForeignKey(
        "self",
        verbose_name="commune de rattachement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="arrondissements",
    )
    department = models.ForeignKey(
        Department, verbose_name="département", on_delete=models.PROTECT, related_name="communes"
    )
    postcodes = models.CharField("codes postaux", max_length=200, help_text="Séparés par des espaces.")
    population = models.PositiveIntegerField("population municipale", default=0)
    latitude = models.FloatField("latitude du centre")
    longitude = models.FloatField("longitude du centre")
    former_codes = models.CharField(
        "anciens codes INSEE",
        max_length=400,
        blank=True,
        help_text="Communes déléguées ou associées, que des flux anciens citent encore. Séparés par des espaces.",
    )

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "communes"
        ordering = ["name", "code"]
        indexes = [
            # Place field suggestions and typed places: names starting with what a person typed (LIKE 'abc%').
            models.Index(fields=["search_name"], name="commune_search_name_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9][0-9AB][0-9]{3}$"),
                name="commune_code_shape",
                violation_error_message="Le code INSEE comporte 5 caractères.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="commune_coordinates_range",
                violation_error_message="Coordonnées hors limites.",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.postcode_list[0] if self.postcode_list else self.code})"

    @property
    def postcode_list(self) -> list[str]:
        return self.postcodes.split()


class RomeCode(models.Model):
    """A ROME 4.0 job code (France Travail)."""

    code = models.CharField("code ROME", max_length=5, unique=True)
    label = models.CharField("intitulé", max_length=200)

    class Meta:
        verbose_name = "code ROME"
        verbose_name_plural = "codes ROME"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-N][0-9]{4}$"),
                name="romecode_code_shape",
                violation_error_message="Un code ROME est une lettre suivie de 4 chiffres (ex. M1855).",
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.label}"


# The offer: formation → action → session (LHÉO) --------------------------------------------------


class Formation(models.Model):
    """What is taught (LHÉO `formation`), under one responsible organisation."""

    MAX_ROME_CODES = 5
    # What an organisation edits and a feed sets (the back office's form, the LHÉO writer).
    EDITABLE_FIELDS = (
        "title",
        "objectives",
        "content",
        "expected_results",
        "is_certifying",
        "certification_code",
        "nsf_code",
        "entry_level",
        "exit_level",
        "website",
        "contact_name",
        "contact_phone",
        "contact_email",
    )

    organism = models.ForeignKey(
        "organisms.Organism",
        verbose_name="organisme responsable",
        on_delete=models.CASCADE,
        related_name="formations",
    )
    external_id = models.CharField(
        "identifiant externe (numéro LHÉO)", max_length=100, blank=True, help_text="Clé stable des échanges LHÉO."
    )
    title = models.CharField("intitulé", max_length=255)
    objectives = models.TextField("objectifs")
    content = models.TextField("contenu")
    expected_results = models.TextField("résultats attendus", blank=True)
    website = models.URLField("page web de la formation", max_length=400, blank=True)
    contact_name = models.CharField(
        "contact pour cette formation", max_length=100, blank=True, help_text="Vide : le contact de l'organisme."
    )
    contact_phone = models.CharField("téléphone du contact", max_length=25, blank=True)
    contact_email = models.EmailField("courriel du contact", max_length=160, blank=True)
    is_certifying = models.BooleanField("certifiante", default=False)
    certification_code = models.CharField(
        "code RNCP ou RS", max_length=12, blank=True, help_text="Par exemple RNCP37674 ou RS5678."
    )
    rome_codes = models.ManyToManyField(
        RomeCode, verbose_name="codes ROME (5 au plus)", blank=True, related_name="formations"
    )
    nsf_code = models.CharField("code NSF", max_length=4, blank=True, help_text="Par exemple 326 (informatique).")
    entry_level = models.PositiveSmallIntegerField("niveau d'entrée", choices=Level.choices, default=Level.UNKNOWN)
    exit_level = models.PositiveSmallIntegerField("niveau de sortie", choices=Level.choices, default=Level.UNKNOWN)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "formation"
        verbose_name_plural = "formations"
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(certification_code="") | Q(certification_code__regex=r"^(RNCP|RS)[0-9]{1,8}$"),
                name="formation_certification_code_shape",
                violation_error_message="Le code de certification commence par RNCP ou RS suivi de chiffres.",
            ),
            models.CheckConstraint(
                condition=Q(is_certifying=True) | Q(certification_code=""),
                name="formation_code_only_if_certifying",
                violation_error_message="Seule une formation certifiante porte un code RNCP ou RS.",
            ),
            models.CheckConstraint(
                condition=Q(nsf_code="") | Q(nsf_code__regex=r"^[0-9]{3}[a-z]?$"),
                name="formation_nsf_code_shape",
                violation_error_message="Le code NSF comporte 3 chiffres, suivis éventuellement d'une lettre.",
            ),
            models.UniqueConstraint(
                fields=["organism", "external_id"],
                condition=~Q(external_id=""),
                name="formation_unique_external_id_per_organism",
            ),
        ]

    def __str__(self):
        return self.title


class ActionQuerySet(models.QuerySet):
    def published(self):
        """Actions visible to the public: published, by an approved organisation."""

        return self.filter(is_published=True, formation__organism__approval_state=Organism.ApprovalState.APPROVED)

    def for_organism(self, organism):
        return self.filter(formation__organism=organism)


class Action(models.Model):
    """One organisation's delivery of a formation (LHÉO `action`)."""

    objects = ActionQuerySet.as_manager()

    formation = models.ForeignKey(Formation, verbose_name="formation", on_delete=models.CASCADE, related_name="actions")
    public_id = models.CharField("identifiant public", max_length=12, unique=True, default=new_public_id)
    external_id = models.CharField("identifiant externe (numéro LHÉO)", max_length=100, blank=True)
    source = feed_source_field("l'action")
    is_published = models.BooleanField("publiée", default=False)
    website = models.URLField("page web de l'action", max_length=400, blank=True)
    teaching_mode = models.PositiveSmallIntegerField(
        "modalité d'enseignement", choices=TeachingMode.choices, default=TeachingMode.ON_SITE
    )
    axis = models.CharField("axe du programme", max_length=12, choices=Axis.choices, blank=True)
    remote_kind = models.CharField(
        "type de formation à distance", max_length=10, choices=RemoteKind.choices, blank=True
    )
    english_sector = models.CharField(
        "secteur visé (anglais professionnel)", max_length=12, choices=EnglishSector.choices, blank=True
    )
    entry_requirements = models.TextField("prérequis et conditions d'accès", blank=True)
    trainer_siret = models.CharField(
        "SIRET de l'organisme formateur",
        max_length=14,
        blank=True,
        validators=[validate_siret],
        help_text="Seulement s'il diffère de l'organisme responsable (LHÉO 2.3).",
    )
    hours_centre = models.PositiveIntegerField("heures en centre", null=True, blank=True)
    hours_company = models.PositiveIntegerField("heures en entreprise", null=True, blank=True)
    hours_total = models.PositiveIntegerField("durée totale (heures)", null=True, blank=True)
    price = models.DecimalField(
        "prix total TTC (€)", max_digits=9, decimal_places=2, null=True, blank=True, help_text="Vide si inconnu."
    )
    free_for_jobseekers = models.BooleanField("gratuite pour les demandeurs d'emploi", default=False)
    cpf_eligible = models.BooleanField("éligible au compte personnel de formation (CPF)", default=False)
    pay = models.CharField(
        "rémunération pendant la formation",
        max_length=3,
        choices=Pay.choices,
        blank=True,
        default=Pay.UNKNOWN,
        help_text="Les stagiaires peuvent-ils être rémunérés pendant la formation (par la Région, France Travail…) ?",
    )
    disabled_access = models.BooleanField("accessible aux personnes en situation de handicap", default=False)
    accessibility_details = models.TextField("précisions sur l'accessibilité", blank=True)
    # Search documents, accent-folded and lower-case (catalogue.search.text): title and job titles, then the rest.
    search_title = models.TextField("texte de recherche (intitulés)", blank=True, editable=False)
    search_body = models.TextField("texte de recherche (contenu)", blank=True, editable=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "action de formation"
        verbose_name_plural = "actions de formation"
        ordering = ["formation__title", "public_id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(axis=Axis.BLENDED) | Q(teaching_mode=TeachingMode.BLENDED),
                name="action_blended_axis_is_blended_mode",
                violation_error_message="L'axe « formation hybride » suppose une modalité mixte.",
            ),
            models.CheckConstraint(
                condition=~Q(axis__in=[Axis.REMOTE, Axis.PRO_ENGLISH]) | Q(teaching_mode=TeachingMode.REMOTE),
                name="action_remote_axes_are_remote_mode",
                violation_error_message="Les axes « 100 % à distance » supposent une formation entièrement à distance.",
            ),
            models.CheckConstraint(
                condition=(Q(axis=Axis.REMOTE) & ~Q(remote_kind="")) | (~Q(axis=Axis.REMOTE) & Q(remote_kind="")),
                name="action_remote_kind_iff_remote_axis",
                violation_error_message="Le type de formation à distance (SPOC ou synchrone) accompagne l'axe « 100 % à distance ».",
            ),
            models.CheckConstraint(
                condition=(Q(axis=Axis.PRO_ENGLISH) & ~Q(english_sector=""))
                | (~Q(axis=Axis.PRO_ENGLISH) & Q(english_sector="")),
                name="action_english_sector_iff_english_axis",
                violation_error_message="Le secteur visé accompagne l'axe « anglais professionnel ».",
            ),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0),
                name="action_price_not_negative",
                violation_error_message="Le prix ne peut pas être négatif.",
            ),
            models.CheckConstraint(
                condition=Q(hours_total__isnull=True)
                | (
                    (Q(hours_centre__isnull=True) | Q(hours_total__gte=F("hours_centre")))
                    & (Q(hours_company__isnull=True) | Q(hours_total__gte=F("hours_company")))
                ),
                name="action_total_hours_cover_parts",
                violation_error_message="La durée totale ne peut être inférieure aux heures en centre ou en entreprise.",
            ),
            models.UniqueConstraint(
                fields=["formation", "external_id"],
                condition=~Q(external_id=""),
                name="action_unique_external_id_per_formation",
            ),
        ]
        indexes = [
            # Public search and home figures: published actions by axis.
            models.Index(fields=["axis"], condition=Q(is_published=True), name="action_published_axis_idx"),
            # Archiving what a feed no longer has: the actions of one source.
            models.Index(fields=["source"], condition=~Q(source=""), name="action_source_idx"),
        ]

    def __str__(self):
        return f"{self.formation.title} ({self.public_id})"

    @property
    def mode_said_by_axis(self) -> bool:
        """Whether its axis already says how it is taught ("100 % à distance" is "Entièrement à distance"; a
        blended-learning axis, "Mixte"): then one badge says it."""
        implied = {
            Axis.REMOTE: TeachingMode.REMOTE,
            Axis.PRO_ENGLISH: TeachingMode.REMOTE,
            Axis.BLENDED: TeachingMode.BLENDED,
        }
        return implied.get(self.axis) == self.teaching_mode

    @property
    def shown_hours_centre(self) -> int | None:
        """Its hours in a centre, unless it is taught entirely at a distance (feeds send them anyway)."""
        return None if self.teaching_mode == TeachingMode.REMOTE else self.hours_centre


class ActionAudience(models.Model):
    """A target audience of an action: LHÉO `code-public-vise` or the portal's NEET / QPV / ZRR."""

    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="audiences")
    code = models.CharField("public visé", max_length=8, choices=Audience.choices)

    class Meta:
        verbose_name = "public visé"
        verbose_name_plural = "publics visés"
        constraints = [
            models.UniqueConstraint(fields=["action", "code"], name="actionaudience_unique"),
        ]
        indexes = [
            # Search filter and facet counts by audience.
            models.Index(fields=["code", "action"], name="actionaudience_code_idx"),
        ]

    def __str__(self):
        return self.get_code_display()


class ActionFunder(models.Model):
    """A funder of an action (LHÉO `code-financeur`), with the places it funds."""

    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="funders")
    code = models.CharField("financeur", max_length=3, choices=Funder.choices)
    funded_places = models.PositiveIntegerField("places financées", null=True, blank=True)

    class Meta:
        verbose_name = "financeur"
        verbose_name_plural = "financeurs"
        constraints = [
            models.UniqueConstraint(fields=["action", "code"], name="actionfunder_unique"),
        ]
        indexes = [
            # Search filter and facet counts by funder.
            models.Index(fields=["code", "action"], name="actionfunder_code_idx"),
        ]

    def __str__(self):
        return self.get_code_display()


class TrainingPlace(models.Model):
    """A place where an action is taught (LHÉO 2.3 allows several per action)."""

    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="training_places")
    name = models.CharField("nom du lieu", max_length=200, blank=True)
    street = models.CharField("adresse", max_length=250)
    postcode = models.CharField("code postal", max_length=5)
    commune = models.ForeignKey(Commune, verbose_name="commune", on_delete=models.PROTECT)
    latitude = models.FloatField("latitude")
    longitude = models.FloatField("longitude")

    class Meta:
        verbose_name = "lieu de formation"
        verbose_name_plural = "lieux de formation"
        constraints = [
            models.CheckConstraint(
                condition=Q(postcode__regex=r"^[0-9]{5}$"),
                name="trainingplace_postcode_shape",
                violation_error_message="Le code postal doit comporter 5 chiffres.",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="trainingplace_coordinates_range",
                violation_error_message="Coordonnées hors limites.",
            ),
        ]

    def __str__(self):
        label = f"{self.street}, {self.postcode} {self.commune.name}"
        return f"{self.name} : {label}" if self.name else label


# Regional programmes and labels ------------------------------------------------------------------


class Programme(models.Model):
    """A regional or national programme under which actions are labelled."""

    slug = models.SlugField("identifiant public", max_length=80, unique=True)
    name = models.CharField("nom", max_length=200)
    description = models.TextField("description", blank=True)
    is_national = models.BooleanField("label national", default=False)
    axes = models.JSONField(
        "axes du programme", default=list, blank=True, help_text="Codes des axes (catalogue.choices.Axis)."
    )
    checklist = models.JSONField(
        "critères d'éligibilité", default=list, blank=True, help_text="Liste de critères que les agents vérifient."
    )
    required_checks = models.JSONField(
        "critères obligatoires",
        default=list,
        blank=True,
        help_text="Ceux des critères sans lesquels le label ne peut être accordé (catalogue.decisions).",
    )
    priority_audiences = models.JSONField(
        "publics prioritaires", default=list, blank=True, help_text="Codes des publics visés prioritaires."
    )
    min_priority_share = models.PositiveSmallIntegerField(
        "part minimale de publics prioritaires par session (%)", null=True, blank=True
    )
    valid_from = models.DateField("début de validité", null=True, blank=True)
    valid_until = models.DateField("fin de validité", null=True, blank=True)

    class Meta:
        verbose_name = "programme"
        verbose_name_plural = "programmes"
        ordering = ["name"]
        permissions = [
            ("view_region_dashboard", "Voir le tableau de bord et les files de la Région"),
            ("decide_label", "Décider des labels"),
            ("manage_programme", "Créer et modifier les programmes"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_priority_share__isnull=True) | Q(min_priority_share__lte=100),
                name="programme_priority_share_percent",
                violation_error_message="Une part est comprise entre 0 et 100 %.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="programme_validity_order",
                violation_error_message="La fin de validité doit suivre le début.",
            ),
        ]

    def __str__(self):
        return self.name


class ActionLabelQuerySet(models.QuerySet):
    def active(self, today: date):
        return self.filter(active_label_q(today))

    def evaluated(self):
        """Granted, or granted then withdrawn: the labels whose sessions report results."""
        return self.filter(state__in=EVALUATED_STATES)


class ActionLabel(models.Model):
    """An action labelled (or asking to be) under a programme."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Demandé"
        GRANTED = rules.GRANTED, "Labellisée"
        REFUSED = "refused", "Refusé"
        WITHDRAWN = rules.WITHDRAWN, "Retiré"

    objects = ActionLabelQuerySet.as_manager()

    action = models.ForeignKey(Action, verbose_name="action", on_delete=models.CASCADE, related_name="labels")
    programme = models.ForeignKey(Programme, verbose_name="programme", on_delete=models.PROTECT, related_name="labels")
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.REQUESTED)
    justification = models.TextField("justification de la demande", blank=True)
    decision_reason = models.TextField("motif de la décision", blank=True)
    requested_at = models.DateTimeField("demandé le", null=True, blank=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="décidé par", on_delete=models.SET_NULL, null=True, blank=True
    )
    valid_from = models.DateField("valable à partir du", null=True, blank=True)
    valid_until = models.DateField("valable jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "label d'une action"
        verbose_name_plural = "labels des actions"
        constraints = [
            models.UniqueConstraint(fields=["action", "programme"], name="actionlabel_unique_action_programme"),
            models.CheckConstraint(
                condition=~Q(state="granted") | Q(valid_from__isnull=False),
                name="actionlabel_granted_has_start",
                violation_error_message="Un label accordé a une date de début de validité.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="actionlabel_validity_order",
                violation_error_message="La fin de validité du label doit suivre son début.",
            ),
        ]
        indexes = [
            # Search filter by programme label and staff queues by state.
            models.Index(fields=["programme", "state", "action"], name="actionlabel_prog_state_idx"),
        ]

    def __str__(self):
        return f"{self.programme} · {self.action} ({self.get_state_display()})"


# Search support ----------------------------------------------------------------------------------


class SearchWord(models.Model):
    """A word of the search documents: the lexicon against which misspelt query words are corrected."""

    word = models.CharField("mot", max_length=60, unique=True)

    class Meta:
        verbose_name = "mot du lexique de recherche"
        verbose_name_plural = "lexique de recherche"

    def __str__(self):
        return self.word


class SearchSynonym(models.Model):
    """An everyday word for a skill and the words trainings use for it ("excel" -> "tableur", "bureautique"):
    a query word finds what its equivalents find (catalogue.search.text). Region staff edit the list."""

    word = models.CharField(
        "mot tapé",
        max_length=60,
        unique=True,
        help_text="Un seul mot, par exemple « excel ». Accents et majuscules sont ignorés.",
    )
    equivalents = models.TextField(
        "équivalents",
        help_text="Un mot ou une expression par ligne, tels qu'ils figurent dans les formations, par exemple"
        " « tableur » et « bureautique ».",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "synonyme de recherche"
        verbose_name_plural = "synonymes de recherche"
        ordering = ["word"]
        constraints = [
            models.CheckConstraint(
                condition=Q(word__regex=r"^[^\s]+$"),
                name="searchsynonym_word_is_one_word",
                violation_error_message="Le mot tapé est un seul mot, sans espace.",
            ),
        ]

    def __str__(self):
        return self.word


class SearchIndexVersion(models.Model):
    """One row: on SQLite, a token that database triggers renew on every write to the catalogue tables (the index is
    rebuilt when it differs); on PostgreSQL, the transaction id below which the change log was pruned (ADR 0011)."""

    token = models.CharField("jeton", max_length=40)
    changed_at = models.DateTimeField("modifié le", null=True)
    pruned_below = models.BigIntegerField("journal des changements élagué avant la transaction", null=True)

    class Meta:
        verbose_name = "version de l'index de recherche"
        verbose_name_plural = "versions de l'index de recherche"

    def __str__(self):
        return self.token


class SearchChange(models.Model):
    """A change to a row the search index reads, appended by PostgreSQL triggers on every write, whatever its path
    (back office, admin, import, plain SQL). Each process applies the changes it has not seen to its index
    (catalogue.search.index, ADR 0011). Pruned after a day by the triggers themselves."""

    class Kind(models.TextChoices):
        SESSION = "S", "session"
        ACTION = "A", "action (ou ce qu'elle affiche : formation, organisme, lieux, publics, financeurs, labels)"
        REBUILD = "R", "reconstruction complète (données de référence, écriture massive, TRUNCATE)"

    seq = models.BigAutoField(primary_key=True)
    kind = models.CharField("nature", max_length=1, choices=Kind.choices)
    row_id = models.BigIntegerField("identifiant de la ligne", null=True)
    txid = models.BigIntegerField("transaction (xid8)")
    changed_at = models.DateTimeField("modifiée le", db_default=Now())

    class Meta:
        verbose_name = "changement indexé"
        verbose_name_plural = "journal des changements indexés"
        indexes = [
            # Each process reads the changes of transactions not finished at its last read (txid >= its xmin).
            models.Index(fields=["txid"], name="searchchange_txid_idx"),
            # Pruning: changes older than a day.
            models.Index(fields=["changed_at"], name="searchchange_changed_at_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.row_id} ({self.seq})"
