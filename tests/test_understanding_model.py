"""The trained model as served: the same numbers as scikit-learn, a cache that never
serves a file it did not write, and the parts of a message that carry the question."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.understanding.cache import ModelCache
from bot.understanding.feature_index import ABSENT, FeatureIndex
from bot.understanding.features import features
from bot.understanding.foreign import SecondOpinion
from bot.understanding.model import IntentModel
from bot.understanding.training import MIN_DF, fit_arrays
from bot.understanding.understand import Understanding

TEXTS = [
    "må jeg tale med pressen", "maa jeg tale med pressen om min afdeling", "pressen ringer",
    "hvad er lix", "lix tal for en pjece", "hvordan beregnes lix",
    "tv2 står i forhallen", "journalister i forhallen nu", "tv2 filmer i forhallen",
    "hvor er kantinen", "kantinen lukker", "hvornår åbner kantinen",
]  # fmt: skip
LABELS = [label for label in ("entry:press", "entry:lix", "intent:crisis", "oos") for _ in "abc"]


@pytest.fixture(scope="module")
def small_arrays():
    return fit_arrays(TEXTS, LABELS, temperature=1.0)


@pytest.fixture(scope="module")
def small_model(small_arrays):
    return IntentModel.from_arrays(small_arrays, features)


def test_served_features_are_scikit_learns(small_model):
    vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=MIN_DF)
    vectoriser.fit(TEXTS)
    for text in ["pressen i forhallen nu!", "LIX?", "Maa jeg tale med pressen", "ukendt ord"]:
        expected = vectoriser.transform([text]).toarray()[0]
        columns, weights = small_model.vector(text)
        served = np.zeros_like(expected)
        served[columns] = weights
        assert np.allclose(served, expected, atol=1e-6), text


def test_the_feature_index_finds_each_feature_and_nothing_else():
    known = ["w:lix", "b:min afdeling", " pr", "press", "w:hjælp", ""]
    index = FeatureIndex(known)
    assert index.rows(known).tolist() == list(range(len(known)))
    assert index.rows(["w:lixx", "w:lix", "pres", "w:hjaelp"]).tolist() == [
        ABSENT,
        0,
        ABSENT,
        ABSENT,
    ]
    assert FeatureIndex([]).rows(["w:lix"]).tolist() == [ABSENT]


def test_probabilities_rank_the_right_class(small_model):
    probabilities = small_model.probabilities("journalist i forhallen")
    assert small_model.classes[int(np.argmax(probabilities))] == "intent:crisis"
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def _cached(cache: ModelCache, name: str, version: str):
    found = cache.load(name, version)
    return None if found is None else IntentModel.from_arrays(found, features)


def test_cache_round_trip_gives_the_same_probabilities(tmp_path, small_arrays, small_model):
    cache = ModelCache(tmp_path)
    cache.save("org-a", "v1", small_arrays)
    loaded = _cached(cache, "org-a", "v1")
    assert loaded is not None
    assert loaded.classes == small_model.classes
    text = "hvad er et godt lix"
    assert np.allclose(loaded.probabilities(text), small_model.probabilities(text))


def test_cache_for_other_knowledge_is_a_miss_and_older_files_are_removed(tmp_path, small_arrays):
    cache = ModelCache(tmp_path)
    cache.save("org-a", "v1", small_arrays)
    assert cache.load("org-a", "v2") is None
    assert cache.load("org-b", "v1") is None
    cache.save("org-a-b", "v1", small_arrays)
    cache.save("org-a", "v2", small_arrays)
    assert not cache.path("org-a", "v1").exists()
    assert cache.load("org-a-b", "v1") is not None  # another name that starts alike


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "pickled", "other-org"])
def test_damaged_or_foreign_cache_is_rejected_logged_and_removed(
    tmp_path, small_arrays, caplog, damage
):
    cache = ModelCache(tmp_path)
    cache.save("org-a", "v1", small_arrays)
    path = cache.path("org-a", "v1")
    data = path.read_bytes()
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":  # one array value changed: the checksum catches it
        with np.load(path) as arrays:
            fields = {name: arrays[name] for name in arrays.files}
        fields["coef"] = fields["coef"].copy()
        fields["coef"][0, 0] += 1.0
        np.savez(path, **fields)
    elif damage == "foreign":
        path.write_bytes(b"not a model at all")
    elif damage == "pickled":
        np.save(path.with_suffix(".npy"), np.array([{"evil": 1}], dtype=object))
        path.with_suffix(".npy").replace(path)
    else:
        cache.save("org-b", "v1", small_arrays)
        cache.path("org-b", "v1").replace(path)
    with caplog.at_level(logging.WARNING, logger="kombot.understanding"):
        assert cache.load("org-a", "v1") is None
    assert "rejected" in caplog.text
    assert not path.exists()


@pytest.mark.parametrize("damage", ["truncated", "flipped", "checksum-lost", "other-org"])
def test_a_damaged_or_foreign_model_folder_is_rejected_and_rebuilt(
    tmp_path, small_arrays, caplog, damage
):
    cache = ModelCache(tmp_path)
    built = []

    def build():
        built.append(1)
        return small_arrays

    cache.mapped("org-a", "v1", build, verified=True)
    folder = tmp_path / "org-a-v1"
    coef = folder / "coef.npy"
    if damage == "truncated":
        coef.write_bytes(coef.read_bytes()[:100])
    elif damage == "flipped":  # one byte of one weight: only the checksum can tell
        data = bytearray(coef.read_bytes())
        data[-1] ^= 0x40
        coef.write_bytes(bytes(data))
    elif damage == "checksum-lost":
        (folder / "sha256").unlink()
    else:  # another org's sound files under this org's name
        cache.mapped("org-b", "v1", build, verified=True)
        shutil.rmtree(folder)
        shutil.copytree(tmp_path / "org-b-v1", folder)
        built.pop()
    with caplog.at_level(logging.WARNING, logger="kombot.understanding"):
        again = cache.mapped("org-a", "v1", build, verified=True)
    assert "rejected" in caplog.text and len(built) == 2
    assert np.array_equal(again["coef"], small_arrays["coef"])
    cache.mapped("org-a", "v1", build, verified=True)
    assert len(built) == 2  # the rebuilt folder checks


def test_a_damaged_model_is_rebuilt_and_serves_the_same_answers(tmp_path, knowledge):
    version = Understanding(knowledge, ModelCache(tmp_path))._version
    stale = tmp_path / f"region-midtjylland-{version}.npz"
    stale.write_bytes(b"an org's model as an earlier kombot cached it")
    first = Understanding(knowledge, ModelCache(tmp_path))
    question = "må jeg udtale mig til pressen om min afdeling"
    before = first.understand(question, "region-midtjylland")
    assert not stale.exists()  # removed once the mapped folder was built
    assert (tmp_path / f"language-{version}.npz").exists()  # the detector is still an .npz
    coef = tmp_path / f"region-midtjylland-{version}" / "coef.npy"
    original = coef.read_bytes()
    data = bytearray(original)
    data[-7] ^= 0x40
    coef.write_bytes(bytes(data))
    again = Understanding(knowledge, ModelCache(tmp_path))
    assert again.understand(question, "region-midtjylland") == before
    assert coef.read_bytes() == original  # trained again: training is deterministic
    assert isinstance(again.model("region-midtjylland")[0].coef, np.memmap)


def test_a_share_of_crisis_below_acting_offers_to_raise_one():
    """Crisis is acted on from CRISIS_AT; from OFFER_CRISIS_AT whatever is answered
    carries the offer, and below that nothing does."""
    from bot.understanding.decide import CRISIS, OFFER_CRISIS_AT, Target, decide

    targets = [Target("entry", "press.a"), Target("entry", "press.b"), CRISIS]
    offered = decide(targets, np.array([0.80, 0.08, OFFER_CRISIS_AT + 0.02]))
    assert offered.kind == "answer" and offered.maybe_crisis
    quiet = decide(targets, np.array([0.85, 0.14, OFFER_CRISIS_AT - 0.09]))
    assert quiet.kind == "answer" and not quiet.maybe_crisis
    acted = decide(targets, np.array([0.45, 0.05, 0.50]))
    assert acted.target == CRISIS and not acted.maybe_crisis


def test_only_a_sure_out_of_scope_is_called_not_ours():
    """Out of scope leading weakly (a question in words the knowledge lacks) falls back
    without saying it is not a communication question."""
    from bot.understanding.decide import OUT_OF_SCOPE, Target, decide

    targets = [Target("entry", "press.a"), Target("entry", "press.b"), OUT_OF_SCOPE]
    sure = decide(targets, np.array([0.10, 0.05, 0.85]))
    assert (sure.kind, sure.target) == ("fallback", OUT_OF_SCOPE)
    weak = decide(targets, np.array([0.30, 0.05, 0.35]))
    assert (weak.kind, weak.target) == ("fallback", None)


def test_mapped_arrays_are_built_once_shared_and_rebuilt_when_damaged(tmp_path, caplog):
    cache = ModelCache(tmp_path)
    built = []

    def build():
        built.append(1)
        return {"table": np.arange(12, dtype=np.uint32).reshape(3, 4), "names": np.array(["a"])}

    first = cache.mapped("table", "v1", build)
    again = cache.mapped("table", "v1", build)
    assert len(built) == 1
    assert isinstance(again["table"], np.memmap) and again["table"][2, 3] == 11
    assert first["names"].tolist() == ["a"]
    (tmp_path / "table-v1" / "table.npy").write_bytes(b"\x93NUMPY broken")
    with caplog.at_level(logging.WARNING, logger="kombot.understanding"):
        assert cache.mapped("table", "v1", build)["table"][2, 3] == 11
    assert "rejected" in caplog.text and len(built) == 2
    cache.mapped("table-b", "v1", build)
    cache.mapped("table", "v2", build)
    assert not (tmp_path / "table-v1").exists()  # the older version is removed
    assert (tmp_path / "table-b-v1").is_dir()  # another name that starts alike is kept


def test_the_mapped_second_opinion_agrees_with_py3langid(tmp_path):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    opinion = SecondOpinion(ModelCache(tmp_path))
    texts = [
        "Hoe kan ik met de pers praten over mijn afdeling?",
        "Darf ich mit der Presse über meine Abteilung sprechen?",
        "må jeg tale med pressen om min afdeling",
        "Czy mogę rozmawiać z prasą?",
        "x",
        "",
    ]
    for text in texts:
        assert opinion.identifier.classify(text) == reference.classify(text), text
    assert opinion.in_another_language(texts[0])
    assert not opinion.in_another_language(texts[2])
    assert SecondOpinion(None).in_another_language(texts[0])  # no cache: held in memory
    # the two large tables are read, never mapped: none of their pages counts in the process
    maps = Path("/proc/self/maps")
    if maps.exists():
        mapped = maps.read_text()
        assert "nextmove.npy" not in mapped and "ptc.npy" not in mapped
