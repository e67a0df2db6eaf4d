"""The blank English tokenizer kgbuild extracts with, tuned so names split the same way in text and in lexicons."""
from __future__ import annotations

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex

__all__ = ["make_blank"]

# Hyphens between letters and digits split too, so "Llama-2-7B", "Llama 2 7B" and the lexicon's "Llama-2"
# all yield the same word tokens and one phrase pattern per spelling is enough.
_EXTRA_INFIXES = (r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9])", r"(?<=[0-9])(?=[×])")


def make_blank() -> Language:
    """A blank English pipeline (no model download) with kgbuild's infix rules."""
    nlp = spacy.blank("en")
    infixes = list(nlp.Defaults.infixes) + list(_EXTRA_INFIXES)
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp
