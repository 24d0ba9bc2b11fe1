r"""Everything a learner can write (file and folder names, exception names and messages, the
outcomes built from them) is escaped where it lands — one function per sink, used by every
writer of that sink:

* :func:`csv_cell` — a gradebook or summary CSV cell: a leading ``=``, ``+``, ``-``, ``@``, tab
  or CR (a spreadsheet formula) is neutralised by a leading ``'``; numbers stay numbers;
  :func:`csv_value` reads a cell back;
* :func:`markdown` — inline Markdown that is also safe as HTML: no new line, heading, list,
  table cell, emphasis, link or tag can start inside it (a forged second "Score" line is
  impossible);
* :func:`html` — HTML text (inline, or a ``<pre>`` block with ``block=True``): ``<``, ``>``,
  ``&`` and quotes as entities, control characters as :func:`terminal` shows them;
* :func:`mathtext` — matplotlib text: every ``$`` escaped, so no mathtext is parsed;
* :func:`terminal` — a line on the terminal: control characters (ANSI escapes, carriage returns,
  bidirectional overrides) shown as Python escapes.

>>> csv_cell("=HYPERLINK(1)"), csv_cell("-2.5"), csv_value(csv_cell("'x"))
("'=HYPERLINK(1)", '-2.5', "'x")
>>> markdown("a\n**Score: 3 / 3**")
'a ↵ \\*\\*Score: 3 / 3\\*\\*'
>>> html('<script>"x"</script>')
'&lt;script&gt;&quot;x&quot;&lt;/script&gt;'
>>> mathtext(r"$\sqrt{x$"), terminal("\x1b[2Jok")
('\\$\\sqrt{x\\$', '\\x1b[2Jok')
"""

from __future__ import annotations

import html as _html
import re

FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "'")   # "'" and LF too: csv_value is exact
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INLINE = re.compile(r"([\\`*{}\[\]!|~<>&$]|(?<![^\W_])_|_(?![^\W_]))")   # "_" in a word stays
_LEADING = re.compile(r"^(\s*|\s*\d+)([#+\-=>]|(?<=\d)[.)])")   # what starts a block


def csv_cell(text: str) -> str:
    """``text`` as a spreadsheet shows it, never as a formula (numbers unchanged). A carriage
    return becomes a line feed: the ``csv`` module (lineterminator ``"\\n"``) quotes a cell with
    a line feed, but would write a lone CR bare, splitting the row for every reader."""
    if text.startswith(FORMULA) and not _NUMBER.match(text):
        text = "'" + text
    return text.replace("\r", "\n")


def csv_value(cell: str) -> str:
    """The text :func:`csv_cell` was given (a carriage return comes back as a line feed)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA) else cell


def _one_line(text: str) -> str:
    """``text`` on one line: each line break shown as ``↵``, other controls as escapes."""
    return terminal(re.sub(r"\r\n|\r|\n", " ↵ ", str(text)))


def markdown(text: str) -> str:
    """``text`` as inline Markdown (and HTML): line breaks shown as ``↵``, every character with a
    meaning backslash-escaped (``<``, ``>``, ``&`` included, so no tag opens)."""
    text = _INLINE.sub(r"\\\1", _one_line(text))
    return _LEADING.sub(r"\1\\\2", text)


def lines(text: str) -> str:
    """``text`` with its line breaks kept and every other control character shown as
    :func:`terminal` shows it (tabs expanded): the body of a fenced or ``<pre>`` block."""
    return "\n".join(terminal(line.expandtabs(4)) for line in re.split(r"\r\n|\r|\n", str(text)))


def html(text: str, block: bool = False) -> str:
    """``text`` as HTML text: inline (line breaks shown as ``↵``, as :func:`markdown` does) or,
    with ``block``, the body of a ``<pre>`` (:func:`lines`); ``<``, ``>``, ``&``, ``"`` and
    ``'`` as entities, so no tag or attribute opens."""
    text = lines(text) if block else _one_line(text)
    return _html.escape(text, quote=True)


def mathtext(text: str) -> str:
    """``text`` for a matplotlib label: every ``$`` escaped (rendered as ``$``, never math)."""
    return str(text).replace("$", r"\$")


def terminal(text: str) -> str:
    """``text`` with every non-printable character (C0/C1 controls, DEL, format characters such
    as bidirectional overrides) written as its Python escape, e.g. ``\\x1b``."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in str(text))
