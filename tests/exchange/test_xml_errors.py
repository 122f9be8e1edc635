"""libxml2's errors reach people in French, with their line (and column): never the parser's English."""

import io
import re
from pathlib import Path

import pytest
from lxml import etree

from exchange.lheo_import import import_lheo
from exchange.xml_errors import schema_message, syntax_message

XSD = Path(__file__).resolve().parents[2].parent / "shared" / "lheo" / "lheo-2.3.xsd"
NS = "http://lheo.gouv.fr/2.3"
# Words of libxml2's messages that must never be shown.
ENGLISH = re.compile(r"\b(?:Element|expected|tag|line|column|Attribute|Entity|not|allowed|document|found)\b")


def parse_error(data: bytes) -> etree.XMLSyntaxError:
    with pytest.raises(etree.XMLSyntaxError) as raised:
        for _ in etree.iterparse(io.BytesIO(data), events=("start",)):
            pass
    return raised.value


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<a><b></a>", "XML mal formé : la balise <b> est fermée par </a> (colonne 11)."),
        (b"<a>", "XML mal formé : le fichier s'arrête avant la fermeture de la balise <a> (colonne 4)."),
        (
            b"<a></a><b/>",
            "XML mal formé : du contenu suit la fin du document (un seul élément racine est permis) (colonne 8).",
        ),
        (
            b"<a>&nbsp;</a>",
            "XML mal formé : l'entité « &nbsp; » n'existe pas en XML (seules &amp; &lt; &gt; &quot; &apos;) (colonne 10).",
        ),
        (
            b"<a>&amp</a>",
            "XML mal formé : une entité n'est pas terminée par « ; » (écrivez &amp; pour « & ») (colonne 8).",
        ),
        (b'<a x="1" x="2"/>', "XML mal formé : l'attribut « x » est répété dans la même balise (colonne 15)."),
        (b"<a b=1/>", "XML mal formé : la valeur d'un attribut doit être entre guillemets (colonne 6)."),
        (b"texte", "XML mal formé : le document ne commence pas par une balise (« < » attendu) (colonne 1)."),
        (
            b'<?xml version="1.0" encoding="UTF-8"?><a>\xe9</a>',
            "XML mal formé : octets invalides pour l'encodage déclaré (le fichier doit être en UTF-8 s'il le déclare) (colonne 42).",
        ),
        (b"", "XML mal formé : le fichier est vide."),
    ],
)
def test_malformed_xml_is_said_in_french(data, message):
    assert syntax_message(parse_error(data)) == message


def test_an_unknown_syntax_error_is_still_french():
    error = parse_error(b"<a><!DOCTYPE a></a>")
    text = syntax_message(error)
    assert text.startswith("XML mal formé : ") and not ENGLISH.search(text)


@pytest.mark.django_db
def test_malformed_lheo_file_reports_line_and_french_message():
    report = import_lheo(f'<?xml version="1.0"?>\n<lheo xmlns="{NS}">\n<offres>\n<formation></offres>'.encode())
    problem = report.problems[0]
    assert problem.line == 4
    assert problem.message == "XML mal formé : la balise <formation> est fermée par </offres> (colonne 21)."


@pytest.mark.skipif(not XSD.exists(), reason="the official LHÉO schema is not beside the project")
@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<formation><foo/></formation>", "L'élément <foo> n'est pas attendu ici ; attendu : <domaine-formation>"),
        (
            '<formation numero="x"><domaine-formation><code-FORMACODE>abc</code-FORMACODE></domaine-formation></formation>',
            "<code-FORMACODE> a 3 caractère(s), 5 au moins sont attendus",
        ),
        ('<formation bad="1"/>', "L'attribut « bad » n'est pas permis sur <formation>"),
    ],
)
def test_schema_errors_are_said_in_french(document, message):
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    schema.validate(etree.fromstring(f'<lheo xmlns="{NS}"><offres>{document}</offres></lheo>'.encode()))
    messages = [schema_message(error.message) for error in schema.error_log]
    assert messages[0] == message
    assert not any(ENGLISH.search(text) for text in messages)


def test_an_unknown_schema_error_is_still_french():
    assert (
        schema_message(f"Element '{{{NS}}}truc': Some new libxml2 wording.") == "<truc> ne respecte pas le schéma LHÉO"
    )
    assert schema_message("Element '{urn:x}truc': Some new wording.") == (
        "<truc> ne respecte pas le schéma LHÉO (espace de noms urn:x)"
    )
    assert schema_message("Something else entirely") == "Le fichier ne respecte pas le schéma LHÉO"
