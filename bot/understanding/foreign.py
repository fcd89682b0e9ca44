"""A second opinion on "this is not Danish, Swedish, Norwegian or English": py3langid.

Our own detector knows only our four languages, so a Dutch or German question that shares
words with Danish can pass for Danish. py3langid knows 97 languages; on the tune split it
called none of 813 questions foreign (three words or more, probability ≥ 0.9). It is asked
only about messages with many words our knowledge has never seen.

Loaded as py3langid loads it, its model (a 39 MB tokenizer table and 28 MB of feature
weights) added about 75 MB to every process that answers. It is unpacked once into the
model cache as plain arrays and mapped read-only (`ModelCache.mapped`): the processes
share its pages, and only those a message reads become resident.
"""

from __future__ import annotations

import functools
from importlib.metadata import version

import numpy as np

from bot.understanding.cache import Arrays, ModelCache

OURS = {"da", "sv", "no", "nb", "nn", "en"}
SURE = 0.9


class SecondOpinion:
    def __init__(self, cache: ModelCache | None):
        self.cache = cache

    def in_another_language(self, text: str) -> bool:
        lang, probability = self.identifier.classify(text)
        return lang not in OURS and probability >= SURE

    @functools.cached_property
    def identifier(self):
        """py3langid's `LanguageIdentifier` over the mapped arrays (loaded on first use)."""
        from py3langid.langid import LanguageIdentifier

        if self.cache is None:
            arrays = _unpacked()
        else:
            arrays = self.cache.mapped("py3langid", version("py3langid"), _unpacked)
        return LanguageIdentifier(
            arrays["ptc"],
            arrays["pc"],
            arrays["classes"].tolist(),
            memoryview(arrays["nextmove"]),  # read a cell at a time: Python ints, no copy
            memoryview(arrays["output"]),
            norm_probs=True,
            tk_row=arrays["row"].tolist(),
        )


def _unpacked() -> Arrays:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    full = LanguageIdentifier.from_model_file(MODEL_FILE)
    return {
        "ptc": np.asarray(full.nb_ptc),
        "pc": np.asarray(full.nb_pc),
        "classes": np.array(full.nb_classes),
        "nextmove": np.asarray(full.tk_nextmove, dtype=np.uint32),
        "output": np.asarray(full.tk_output, dtype=np.int32),
        "row": np.asarray(full.tk_row, dtype=np.int64),
    }
