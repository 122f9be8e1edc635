"""Text from real feeds: national bodies (Onisep among them) put HTML inside LHÉO text elements, escaped once
(`&lt;p&gt;`, read as `<p>`) or twice (`&amp;lt;p&amp;gt;`). The portal stores and shows plain text: paragraphs and
line breaks become new lines, list items lines starting with "- ", every tag goes (nh3, a maintained sanitiser, parses
the markup as browsers do, so that broken or hostile markup leaves no tag and no script behind) and entities become
their characters."""

import html
import re

import nh3

# A tag (<p>, </li>, <br/>) or an HTML entity (&eacute;, &#233;): text without either is left as it is.
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^<>]*>|&(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#x[0-9a-fA-F]+);")
ESCAPED_TAG = re.compile(r"&lt;\s*/?\s*[a-zA-Z]")
LINE_BREAK = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(?:p|div|h[1-6]|tr|table|ul|ol|blockquote)\s*>", re.IGNORECASE)
LIST_ITEM = re.compile(r"<\s*li(?:\s[^<>]*)?>", re.IGNORECASE)
SPACES = re.compile(r"[ \t\u00a0]+")


def plain_text(value: str) -> str:
    """The text of a feed's element, without markup (see the module's docstring)."""
    value = (value or "").strip()
    if not MARKUP.search(value):
        return value
    for _ in range(2):  # markup escaped once more than XML needs
        if not ESCAPED_TAG.search(value):
            break
        value = html.unescape(value)
    value = LIST_ITEM.sub("\n- ", LINE_BREAK.sub("\n", value))
    value = html.unescape(nh3.clean(value, tags=set(), clean_content_tags={"script", "style"}, strip_comments=True))
    lines = [SPACES.sub(" ", line).strip() for line in value.replace("\r", "\n").split("\n")]
    text, blank = [], False
    for line in lines:
        if line:
            text.append(line)
            blank = False
        elif text and not blank:
            text.append("")
            blank = True
    return "\n".join(text).strip()
