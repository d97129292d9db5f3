"""Text safety: one sanitiser for the terminal, one check for rendered text.

Text in rmfkit comes from files someone else may have written (a model card heading, a file name, a
risk title). Two places must not trust it:

- **The terminal.** :func:`for_terminal` escapes every control character (``ESC``, ``BEL``, ``\\r``,
  ``\\n``, C1 controls, bidi overrides) as a visible ``\\x1b`` / ``\\u202e``, so a file name cannot
  rewrite the screen, set the window title or forge an "all verified OK" line. Every CLI print of user
  text goes through it (``rmfkit.cli.app`` for error lines, ``print_text`` in ``rmfkit.cli.common``).
- **Rendered documents** (PDF, HTML). :func:`hidden_characters` finds bidi overrides and invisible
  characters that make a text read differently from what it holds; record models refuse them at
  validation (exit 3, naming the field), and :func:`visible` shows them as escapes where text from an
  evidence file is printed as it is. :func:`printable` shows the characters no page can hold (C0
  controls, lone surrogates) as escapes in everything the PDF and HTML templates get.

>>> for_terminal("x\\rerror: all OK\\x1b]0;pwned\\x07")
'x\\\\rerror: all OK\\\\x1b]0;pwned\\\\x07'
>>> hidden_characters("invoice\\u202egpj.exe")
['U+202E RIGHT-TO-LEFT OVERRIDE at position 7']
>>> visible("abc\\u200bdef")
'abc\\\\u200bdef'
"""
from __future__ import annotations

import re
import unicodedata

# Characters that change how the text around them is displayed, or are not displayed at all.
# Zero-width joiner/non-joiner (U+200C, U+200D) are left alone: scripts such as Persian and emoji need them.
HIDDEN = re.compile("[\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb"
                    "\U000e0000-\U000e007f]")
# For the terminal: also every C0/C1 control but tab, the line and paragraph separators, and lone surrogates
# (a YAML "\\udb40" escape) that no terminal encoding can print.
TERMINAL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]|" + HIDDEN.pattern)
# For documents: what no font can show and XML cannot hold (C0 controls but tab, line feed and carriage
# return; DEL; lone surrogates; the noncharacters U+FFFE and U+FFFF).
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    if code == 0x0A:
        return "\\n"
    if code == 0x0D:
        return "\\r"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def for_terminal(text: object) -> str:
    """``text`` with every control, bidi and invisible character shown as a visible escape: one line, inert.

    >>> for_terminal("two\\nlines")
    'two\\\\nlines'
    """
    return TERMINAL.sub(_escape, str(text))


def visible(text: str) -> str:
    """``text`` with bidi overrides and invisible characters shown as escapes (for rendered documents).

    >>> visible("ok")
    'ok'
    """
    return HIDDEN.sub(_escape, text)


def printable(value: object) -> object:
    """``value`` (text, or lists and dicts holding text) with every :data:`UNPRINTABLE` character shown as an
    escape, so a control character in a record prints as ``\\x0c`` instead of stopping the typesetter.

    >>> printable({"unit": "pct\\x0cpoints", "n": [1, "a\\x01"]})
    {'unit': 'pct\\\\x0cpoints', 'n': [1, 'a\\\\x01']}
    """
    if isinstance(value, str):
        return UNPRINTABLE.sub(_escape, value) if UNPRINTABLE.search(value) else value
    if isinstance(value, list):
        return [printable(item) for item in value]
    if isinstance(value, dict):
        return {key: printable(item) for key, item in value.items()}
    return value


def hidden_characters(text: str) -> list[str]:
    """Each bidi override or invisible character in ``text``, named.

    >>> hidden_characters("plain text\\n")
    []
    """
    found = []
    for match in HIDDEN.finditer(text):
        char = match.group()
        name = unicodedata.name(char, "FORMAT CHARACTER")
        found.append(f"U+{ord(char):04X} {name} at position {match.start()}")
    return found
