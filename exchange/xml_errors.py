"""libxml2's errors (through lxml) said in French: no English from the parser reaches a person.

Two kinds: a malformed document (`etree.XMLSyntaxError`, known by its error code) and a schema error (an entry of
`XMLSchema.error_log`, whose message has a stable shape, read here with patterns). Anything not recognised gets a
general French sentence with its place, never the parser's text. The line is carried by the caller's Problem; the
column, when known, is said in the message.
"""

import re

from lxml import etree

E = etree.ErrorTypes
LHEO_NAMESPACES = ("http://lheo.gouv.fr/2.3", "http://lheo.gouv.fr/2.2")

# Malformed documents, by libxml2 error code. `{name}` and `{other}` come from the parser's message when it names
# the elements concerned.
SYNTAX: dict[int, str] = {
    E.ERR_DOCUMENT_EMPTY: "le document ne commence pas par une balise (« < » attendu).",
    E.ERR_DOCUMENT_END: "du contenu suit la fin du document (un seul élément racine est permis).",
    E.ERR_TAG_NAME_MISMATCH: "la balise <{name}> est fermée par </{other}>.",
    E.ERR_TAG_NOT_FINISHED: "le fichier s'arrête avant la fermeture de la balise <{name}>.",
    E.ERR_GT_REQUIRED: "la balise <{name}> n'est pas terminée par « > ».",
    E.ERR_NAME_REQUIRED: "nom de balise ou d'attribut manquant ou invalide.",
    E.ERR_ATTRIBUTE_REDEFINED: "l'attribut « {name} » est répété dans la même balise.",
    E.ERR_ATTRIBUTE_NOT_STARTED: "la valeur d'un attribut doit être entre guillemets.",
    E.ERR_ATTRIBUTE_WITHOUT_VALUE: "un attribut n'a pas de valeur.",
    E.ERR_LT_IN_ATTRIBUTE: "le caractère « < » est interdit dans la valeur d'un attribut (écrivez &lt;).",
    E.ERR_UNDECLARED_ENTITY: "l'entité « &{name}; » n'existe pas en XML (seules &amp; &lt; &gt; &quot; &apos;).",
    E.ERR_ENTITYREF_SEMICOL_MISSING: "une entité n'est pas terminée par « ; » (écrivez &amp; pour « & »).",
    E.ERR_INVALID_CHAR: "caractère interdit en XML (caractère de contrôle).",
    E.ERR_INVALID_ENCODING: "octets invalides pour l'encodage déclaré (le fichier doit être en UTF-8 s'il le déclare).",
    E.ERR_MISPLACED_CDATA_END: "la suite « ]]> » est interdite dans le texte.",
    E.ERR_HYPHEN_IN_COMMENT: "un commentaire contient « -- ».",
    E.ERR_RESERVED_XML_NAME: "la déclaration <?xml ?> n'est permise qu'au tout début du fichier.",
    E.ERR_STRING_NOT_CLOSED: "une valeur entre guillemets n'est pas refermée.",
    E.ERR_LT_REQUIRED: "une balise était attendue (« < »).",
    E.ERR_UNSUPPORTED_ENCODING: "encodage déclaré inconnu.",
}
SYNTAX_FALLBACK = "le document n'est pas un XML bien formé."
_NAMES = re.compile(r"(?:mismatch: |tag |Attribute |Entity '|Start Tag )([\w.:-]+)")
_MISMATCH = re.compile(r"mismatch: ([\w.:-]+) line \d+ and ([\w.:-]+)")


def syntax_message(error: etree.XMLSyntaxError) -> str:
    """ "XML mal formé : la balise <session> est fermée par </action> (colonne 12)."."""
    text = SYNTAX.get(error.code, SYNTAX_FALLBACK)
    msg = error.msg or ""
    if mismatch := _MISMATCH.search(msg):
        text = text.format(name=mismatch[1], other=mismatch[2])
    elif "{name}" in text:
        found = _NAMES.search(msg)
        text = text.format(name=found[1]) if found else SYNTAX_FALLBACK
    if error.code == E.ERR_INTERNAL_ERROR and not error.lineno:  # no element at all: an empty document
        text = "le fichier est vide."
    column = error.position[1] if error.position and error.position[1] else None
    return f"XML mal formé : {text[:-1]}{f' (colonne {column})' if column else ''}."


# Schema errors: the message's pattern, and the French sentence. Groups: element name first.
_ELEMENT = r"Element '(?:\{[^}]*\})?([\w.-]+)'"
_EXPECTED = r"(?:\. Expected is (?:one of )?\( ([^)]*) \))?"
SCHEMA: list[tuple[re.Pattern, str]] = [
    (re.compile(_ELEMENT + r": This element is not expected" + _EXPECTED), "l'élément <{0}> n'est pas attendu ici"),
    (re.compile(_ELEMENT + r": Missing child element\(s\)" + _EXPECTED), "il manque un élément dans <{0}>"),
    (
        re.compile(_ELEMENT + r", attribute '([\w:.-]+)': The attribute '[^']*' is not allowed"),
        "l'attribut « {1} » n'est pas permis sur <{0}>",
    ),
    (
        re.compile(_ELEMENT + r": The attribute '([\w:.-]+)' is required but missing"),
        "l'attribut « {1} » manque sur <{0}>",
    ),
    (
        re.compile(
            _ELEMENT
            + r": \[facet 'minLength'\] The value has a length of '(\d+)'; this underruns the allowed minimum length of '(\d+)'"
        ),
        "<{0}> a {1} caractère(s), {2} au moins sont attendus",
    ),
    (
        re.compile(
            _ELEMENT
            + r": \[facet 'maxLength'\] The value has a length of '(\d+)'; this exceeds the allowed maximum length of '(\d+)'"
        ),
        "<{0}> a {1} caractères, {2} au plus sont permis",
    ),
    (
        re.compile(
            _ELEMENT + r": \[facet 'enumeration'\] The value '([^']*)' is not an element of the set \{([^}]*)\}"
        ),
        "« {1} » n'est pas une valeur permise pour <{0}> (valeurs permises : {2})",
    ),
    (
        re.compile(_ELEMENT + r": \[facet 'pattern'\] The value '([^']*)' is not accepted by the pattern"),
        "« {1} » n'a pas la forme attendue pour <{0}>",
    ),
    (
        re.compile(_ELEMENT + r": \[facet '(?:minInclusive|minExclusive)'\] The value '([^']*)'"),
        "« {1} » est trop petit pour <{0}>",
    ),
    (
        re.compile(_ELEMENT + r": \[facet '(?:maxInclusive|maxExclusive)'\] The value '([^']*)'"),
        "« {1} » est trop grand pour <{0}>",
    ),
    (
        re.compile(_ELEMENT + r": '([^']*)' is not a valid value of the (?:atomic|union|list) type '(?:xs:)?([\w-]+)'"),
        "« {1} » n'est pas une valeur valide pour <{0}> ({2})",
    ),
    (
        re.compile(_ELEMENT + r": Character content other than whitespace is not allowed"),
        "<{0}> ne peut pas contenir de texte",
    ),
    (re.compile(_ELEMENT + r": Element content is not allowed"), "<{0}> ne peut pas contenir d'élément"),
    (
        re.compile(_ELEMENT + r": No matching global declaration available for the validation root"),
        "<{0}> n'est pas la racine d'un document LHÉO",
    ),
]
_TYPE_NAMES = {
    "date": "date au format AAAA-MM-JJ",
    "decimal": "nombre",
    "integer": "nombre entier",
    "boolean": "booléen",
}


def _expected(names: str | None) -> str:
    if not names:
        return ""
    found = [re.sub(r"\{[^}]*\}", "", name).strip() for name in names.split(",")]
    listed = ", ".join(f"<{name}>" for name in found if name)
    return f" ; attendu : {listed}" if listed else ""


def schema_message(message: str) -> str:
    """A schema error of libxml2 in French ("L'élément <foo> n'est pas attendu ici ; attendu : <bar>")."""
    text = _schema_message(message)
    foreign = re.match(r"Element '\{([^}]*)\}", message)
    if foreign and foreign[1] not in LHEO_NAMESPACES:  # an element from elsewhere: say where from
        text += f" (espace de noms {foreign[1]})"
    return text[0].upper() + text[1:]


def _schema_message(message: str) -> str:
    for pattern, french in SCHEMA:
        if found := pattern.match(message):
            groups = list(found.groups())
            if "is not expected" in pattern.pattern or "Missing child" in pattern.pattern:
                return french.format(groups[0]) + _expected(groups[1])
            if "valid value of the" in pattern.pattern:
                groups[2] = _TYPE_NAMES.get(groups[2], groups[2])
            return french.format(*groups)
    element = re.match(_ELEMENT, message)
    return f"<{element[1]}> ne respecte pas le schéma LHÉO" if element else "le fichier ne respecte pas le schéma LHÉO"
