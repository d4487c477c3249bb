"""Text read from files, made safe to print on a terminal; the glossary of the terms the findings use."""

from __future__ import annotations

__all__ = ["GLOSSARY", "glossary_terms", "printable"]


def printable(text) -> str:
    """``text`` with control characters (ESC, BEL, CR, ..., but not tab) escaped as ``\\xNN``/``\\uNNNN``.

    Channel names and other strings read from a file are untrusted: an
    escape sequence in a label could rewrite the terminal.  Newlines are
    escaped too, so one value always prints on one line.

    Examples
    --------
    >>> printable("CH1\\x1b[2J Raw")
    'CH1\\\\x1b[2J Raw'
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\t" else repr(ch)[1:-1] for ch in text)


#: Plain-words explanations of the terms the findings use, for a report to show at first use or on hover.
#: Keys are the terms as they appear in the text (abbreviations separately); values are one or two sentences.
GLOSSARY = {
    "symmetry index": "How different the left and right sides are: (right - left) / their average, in %. 0 % is "
                      "perfect symmetry; positive means the right side is larger, negative the left.",
    "SI": "Symmetry index: (right - left) / their average, in %; positive means the right side is larger.",
    "CI": "Confidence interval: the range the true value probably lies in (95 %: 19 times out of 20). When it does "
          "not reach 0, the data show a difference in that direction.",
    "confidence interval": "The range the true value probably lies in (95 %: 19 times out of 20). When it does not "
                           "reach 0, the data show a difference in that direction.",
    "flag": "The difference is larger than the flag limit and its confidence interval does not reach 0.",
    "notice": "The difference is larger than the notice limit (or the flag limit, without a confidence interval to "
              "confirm it): worth a look, not a conclusion.",
    "mean activity": "The average of the muscle's smoothed EMG (its envelope) over a repetition.",
    "peak activity": "The highest value of the muscle's smoothed EMG (its envelope) in a repetition.",
    "RMS": "Root mean square: the EMG's typical size (amplitude) over a repetition.",
    "iEMG": "Integrated EMG: the area under the smoothed EMG over a repetition, i.e. how much the muscle worked in total.",
    "integrated EMG": "The area under the smoothed EMG over a repetition, i.e. how much the muscle worked in total.",
    "co-contraction index": "How much two opposing muscles (e.g. biceps and triceps) are active at the same time, in % "
                            "(Falconer-Winter: twice their common area over their total area).",
    "CCI": "Co-contraction index: how much two opposing muscles are active at the same time, in %.",
    "agonist": "The muscle that produces the movement.",
    "antagonist": "The muscle that opposes the movement (e.g. the triceps during elbow bending).",
    "median frequency": "The frequency that splits the EMG's power spectrum in two halves. It falls as a muscle tires.",
    "MDF": "Median frequency of the EMG spectrum; it falls as a muscle tires.",
    "MNF": "Mean frequency of the EMG spectrum; like the median frequency, it falls as a muscle tires.",
    "LSI": "Limb symmetry index: the involved side as a % of the uninvolved side (return-to-sport tests ask >= 90 %).",
    "MVC": "Maximum voluntary contraction: the muscle's strongest effort, used as 100 % to compare muscles and sides.",
    "switches on": "The burst onset: when the muscle's activity rises above its resting level.",
    "switches off": "The burst offset: when the muscle's activity falls back to its resting level.",
    "paired burst": "A burst of one muscle matched with the burst of the other muscle in the same repetition.",
    "SNR": "Signal-to-noise ratio: how far the muscle's bursts rise above the recording's noise, in dB.",
}


def glossary_terms(text) -> list[str]:
    """The :data:`GLOSSARY` terms that occur in ``text`` as whole words, in order of first use.

    Examples
    --------
    >>> glossary_terms("symmetry index 21 % (95 % CI 12 to 30 %)")
    ['symmetry index', 'CI']
    """
    text = str(text)
    found = [(m.start(), term) for term in GLOSSARY if (m := find_term(term, text))]
    return [t for _, t in sorted(found)]


def find_term(term, text, written=None):
    """The first use of glossary ``term`` in ``text`` as a whole word (``re.Match`` or None).

    Abbreviations and capitalised terms match case-sensitively, others in any
    case.  ``written`` is the form searched for when it differs from ``term``
    (its HTML-escaped form in escaped text).
    """
    import re

    flags = 0 if term.isupper() or term[:1].isupper() else re.IGNORECASE
    return re.search(r"(?<![\w-])" + re.escape(term if written is None else written) + r"(?![\w-])", str(text), flags)
