"""A second opinion on "this is not Danish, Swedish, Norwegian or English": py3langid.

Our own detector knows only our four languages, so a Dutch or German question that shares
words with Danish can pass for Danish. py3langid knows 97 languages; on the tune split it
called none of 813 questions foreign (three words or more, probability ≥ 0.9). It is asked
only about messages with many words our knowledge has never seen.

Loaded as py3langid loads it, its model (a 39 MB tokenizer table and 28 MB of feature
weights) added about 75 MB to every process that answers. It is unpacked once into the
model cache as plain arrays (`ModelCache.mapped`). The two large tables are then read a
cell or a row at a time (`FileCells`): mapped, one Dutch question made 32 MB of them
resident in the process, since the kernel maps whole blocks around each page read. Read,
they stay in the page cache, shared by every process and given back under pressure; a
question costs a few hundred small reads (well under a millisecond).
"""

from __future__ import annotations

import functools
import os
import weakref
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
        ptc, nextmove = arrays["ptc"], arrays["nextmove"]
        if isinstance(ptc, np.memmap):  # from the cache: read from its files, never resident
            ptc, nextmove = FileCells(ptc), FileCells(nextmove)
        else:  # no cache (benchmarks): in memory, a cell at a time as Python ints
            nextmove = memoryview(nextmove)
        return LanguageIdentifier(
            ptc,
            arrays["pc"],
            arrays["classes"].tolist(),
            nextmove,
            memoryview(arrays["output"]),  # small (0.4 MB): mapped, a cell at a time
            norm_probs=True,
            tk_row=memoryview(arrays["row"]),  # only iterated once, into row offsets
        )


class FileCells:
    """A large array of the model cache, read from its .npy file with `os.pread`: a cell
    (`cells[i]`, a Python int, for the tokenizer's transitions) or rows (`cells[indices]`,
    for the features a text has). Only the file's name and layout are taken from the map."""

    def __init__(self, mapped: np.memmap):
        self.dtype = mapped.dtype
        self.shape = mapped.shape[1:]
        self.size = mapped.dtype.itemsize * int(np.prod(self.shape, dtype=np.int64))
        self.offset = mapped.offset
        self.fd = os.open(mapped.filename, os.O_RDONLY)
        weakref.finalize(self, os.close, self.fd)  # a reload builds a new one

    def __getitem__(self, index):
        if isinstance(index, np.ndarray):
            rows = [self._read(i) for i in index.tolist()]
            return np.frombuffer(b"".join(rows), self.dtype).reshape(len(rows), *self.shape)
        return int(np.frombuffer(self._read(index), self.dtype)[0])

    def _read(self, index: int) -> bytes:
        return os.pread(self.fd, self.size, self.offset + index * self.size)


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
