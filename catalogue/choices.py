"""LHÉO 2.3 code lists used by the portal, written as choices (short facts from the standard),
plus the portal's own codes where LHÉO has none (NEET, QPV, ZRR), exported in LHÉO `extras`."""

from django.db import models


class TeachingMode(models.IntegerChoices):
    """LHÉO `modalites-enseignement`."""

    ON_SITE = 0, "Entièrement en présentiel"
    BLENDED = 1, "Mixte (présentiel et distance)"
    REMOTE = 2, "Entièrement à distance"


class Axis(models.TextChoices):
    """Axes of the regional programmes ("2ème chance numérique" Île-de-France)."""

    BLENDED = "hybride", "Formation hybride (blended learning)"
    REMOTE = "distance", "100 % à distance"
    PRO_ENGLISH = "anglais-pro", "Anglais professionnel 100 % à distance"


class RemoteKind(models.TextChoices):
    SPOC = "spoc", "SPOC (cours en ligne tutoré)"
    SYNCHRONOUS = "synchrone", "Télé-présentiel synchrone"


class EnglishSector(models.TextChoices):
    """Sectors in shortage targeted by the professional English axis."""

    LOGISTICS = "logistique", "Logistique"
    TOURISM = "tourisme", "Tourisme"
    CATERING = "restauration", "Hôtellerie-restauration"


class Audience(models.TextChoices):
    """Target audiences: LHÉO `code-public-vise` (FORMACODE V14) codes, then the portal's own."""

    JOBSEEKER = "80006", "Demandeurs d'emploi"
    LONG_TERM_JOBSEEKER = "80007", "Demandeurs d'emploi de longue durée"
    RSA = "80010", "Bénéficiaires du RSA"
    WOMEN = "81018", "Femmes"
    DISABLED = "81020", "Personnes en situation de handicap"
    YOUNG_16_25 = "81024", "Jeunes de 16 à 25 ans"
    DIGITAL_EXCLUSION = "81043", "Personnes en situation d'illectronisme"
    REFUGEES = "81042", "Personnes réfugiées"
    EMPLOYEES = "82044", "Salariés"
    EVERYONE = "83056", "Tout public"
    NEET = "neet", "Jeunes ni en emploi, ni en études, ni en formation (NEET)"
    QPV = "qpv", "Habitants des quartiers prioritaires (QPV)"
    ZRR = "zrr", "Habitants des zones de revitalisation rurale (ZRR)"

    @classmethod
    def portal_only(cls) -> set[str]:
        """Codes LHÉO does not have: exported in `extras`."""
        return {cls.NEET.value, cls.QPV.value, cls.ZRR.value}


class Pay(models.TextChoices):
    """Whether a trainee may be paid during the training (LHÉO has no element for it: the portal's extra
    `remuneration`, docs/lheo-mapping.md). Unknown unless the organisation says."""

    UNKNOWN = "", "Non précisée"
    PAID = "oui", "Rémunération possible pendant la formation"
    UNPAID = "non", "Pas de rémunération pendant la formation"


class Funder(models.TextChoices):
    """LHÉO `code-financeur`."""

    OTHER = "0", "Autre"
    REGION = "2", "Conseil régional"
    ESF = "3", "Fonds européens (FSE)"
    FRANCE_TRAVAIL = "4", "France Travail (ex Pôle emploi)"
    COMPANY = "5", "Entreprise"
    ACSE = "6", "ACSÉ (anciennement FASILD)"
    AGEFIPH = "7", "Agefiph"
    DEPARTMENT = "8", "Conseil départemental"
    MUNICIPALITY = "9", "Commune"
    TRAINEE = "10", "Le stagiaire (financement personnel)"
    STATE_EMPLOYMENT = "11", "État : ministère chargé de l'emploi"
    STATE_EDUCATION = "12", "État : ministère de l'éducation nationale"
    STATE_OTHER = "13", "État : autre"
    EU_OTHER = "14", "Fonds européens : autre"
    LOCAL_OTHER = "15", "Collectivité territoriale : autre"
    OPCO = "16", "OPCO"
    TRANSITION_PRO = "17", "Transitions Pro"
    LADOM = "18", "LADOM (Agence de l'outre-mer pour la mobilité)"
    STATE_INTERIOR = "19", "État : ministère de l'intérieur"
    OFII = "20", "OFII (Office français de l'immigration et de l'intégration)"


class Level(models.IntegerChoices):
    """LHÉO `dict-niveaux`: European levels (11 to 18, since 2.3) and the legacy list (0 to 8)."""

    UNKNOWN = 0, "Information non communiquée"
    NONE = 1, "Sans niveau spécifique"
    LEGACY_VI = 2, "Ancien niveau VI (illettrisme, analphabétisme)"
    LEGACY_VBIS = 3, "Ancien niveau V bis (préqualification)"
    LEGACY_V = 4, "Ancien niveau V (CAP, BEP)"
    LEGACY_IV = 5, "Ancien niveau IV (baccalauréat professionnel ou technologique)"
    LEGACY_III = 6, "Ancien niveau III (BTS, DUT)"
    LEGACY_II = 7, "Ancien niveau II (licence, maîtrise)"
    LEGACY_I = 8, "Ancien niveau I (au-delà de la maîtrise)"
    EU_1 = 11, "Niveau 1 : maîtrise des savoirs de base"
    EU_2 = 12, "Niveau 2 : activités simples"
    EU_3 = 13, "Niveau 3 : CAP, BEP"
    EU_4 = 14, "Niveau 4 : baccalauréat"
    EU_5 = 15, "Niveau 5 : bac + 2 (BTS, DUT)"
    EU_6 = 16, "Niveau 6 : bac + 3 (licence, BUT)"
    EU_7 = 17, "Niveau 7 : bac + 5 (master)"
    EU_8 = 18, "Niveau 8 : doctorat"


def level_menu() -> list:
    """The level menu: unknown and no level first, the current European levels, then the former ones apart."""
    european = [(level.value, level.label) for level in Level if level >= Level.EU_1]
    former = [(level.value, level.label) for level in Level if Level.LEGACY_VI <= level <= Level.LEGACY_I]
    return [
        (Level.UNKNOWN.value, Level.UNKNOWN.label),
        (Level.NONE.value, Level.NONE.label),
        ("Niveaux européens (cadre national des certifications)", european),
        ("Anciens niveaux (nomenclature de 1969)", former),
    ]


class RecruitmentState(models.IntegerChoices):
    """LHÉO `etat-recrutement`."""

    OPEN = 1, "Inscriptions ouvertes"
    CLOSED = 2, "Inscriptions fermées"
    SUSPENDED = 3, "Inscriptions suspendues"
