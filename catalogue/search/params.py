"""The search vocabulary: stable French GET parameter names and option values (documented in the README)."""

from catalogue.choices import Audience, Axis, Funder

AXES = [(axis.value, axis.label) for axis in Axis]
MODES = [("presentiel", "En présentiel"), ("mixte", "Mixte (présentiel et distance)"), ("distance", "À distance")]
PUBLICS = [
    ("demandeurs-emploi", Audience.JOBSEEKER),
    ("16-25-ans", Audience.YOUNG_16_25),
    ("femmes", Audience.WOMEN),
    ("handicap", Audience.DISABLED),
    ("neet", Audience.NEET),
    ("qpv", Audience.QPV),
    ("zrr", Audience.ZRR),
    ("rsa", Audience.RSA),
    ("chomage-longue-duree", Audience.LONG_TERM_JOBSEEKER),
    ("illectronisme", Audience.DIGITAL_EXCLUSION),
    ("refugies", Audience.REFUGEES),
    ("salaries", Audience.EMPLOYEES),
    ("tout-public", Audience.EVERYONE),
]
PUBLIC_LABELS = {
    "demandeurs-emploi": "Demandeurs d'emploi",
    "16-25-ans": "Jeunes de 16 à 25 ans",
    "femmes": "Femmes",
    "handicap": "Personnes en situation de handicap",
    "neet": "Jeunes ni en emploi, ni en études, ni en formation (NEET)",
    "qpv": "Habitants des quartiers prioritaires (QPV)",
    "zrr": "Habitants des zones de revitalisation rurale (ZRR)",
    "rsa": "Bénéficiaires du RSA",
    "chomage-longue-duree": "Demandeurs d'emploi de longue durée",
    "illectronisme": "Personnes éloignées du numérique",
    "refugies": "Personnes réfugiées",
    "salaries": "Salariés",
    "tout-public": "Tout public",
}
CPF = "cpf"
FUNDERS = [
    ("region", Funder.REGION),
    ("france-travail", Funder.FRANCE_TRAVAIL),
    (CPF, None),
    ("fse", Funder.ESF),
    ("agefiph", Funder.AGEFIPH),
    ("opco", Funder.OPCO),
    ("transitions-pro", Funder.TRANSITION_PRO),
    ("departement", Funder.DEPARTMENT),
    ("commune", Funder.MUNICIPALITY),
    ("etat", Funder.STATE_EMPLOYMENT),
    ("entreprise", Funder.COMPANY),
    ("stagiaire", Funder.TRAINEE),
    ("autre", Funder.OTHER),
]
FUNDER_LABELS = {
    "region": "Région",
    "france-travail": "France Travail",
    CPF: "Compte personnel de formation (CPF)",
    "fse": "Fonds social européen (FSE)",
    "agefiph": "Agefiph",
    "opco": "OPCO",
    "transitions-pro": "Transitions Pro",
    "departement": "Département",
    "commune": "Commune",
    "etat": "État",
    "entreprise": "Entreprise",
    "stagiaire": "Financement personnel",
    "autre": "Autre financeur",
}
RADII = [5, 10, 20, 30, 50]
DEFAULT_RADIUS = 20
WEEKS = [2, 4, 8, 12]
# Entry level: the highest European level a person holds; "0" = no diploma (levels 1 and 2 and none).
LEVELS = [
    ("0", "Sans diplôme", 2),
    ("3", "CAP, BEP (niveau 3)", 3),
    ("4", "Baccalauréat (niveau 4)", 4),
    ("5", "Bac + 2 (niveau 5)", 5),
    ("6", "Bac + 3 et plus (niveau 6 et plus)", 8),
]
DURATIONS = [35, 70, 150, 400, 800]
SORTS = [("pertinence", "Pertinence"), ("date", "Date de début"), ("distance", "Distance")]
PAGE_SIZE = 20
MAX_PAGE = 500
