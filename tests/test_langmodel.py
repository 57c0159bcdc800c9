"""langid's model, unpacked once and kept in the user's cache (brochurekit/langmodel.py)."""

from __future__ import annotations

import numpy as np
import pytest
from langid.langid import LanguageIdentifier, model

from brochurekit import langmodel

SAMPLES = (
    "Le cancer de l'anus est souvent traité par une radiothérapie et une chimiothérapie.",
    "La radioterapia y la quimioterapia se dan al mismo tiempo durante unas seis semanas.",
    "Ask your care team which treatment is right for you and what the side effects are.",
)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "brochurekit"


@pytest.fixture(scope="module")
def original():
    return LanguageIdentifier.from_modelstring(model, norm_probs=True)


def test_the_cached_model_is_langids_own(cache, original):
    unpacked = langmodel.identifier()
    (written,) = cache.glob("langid-*.npz")
    assert written == langmodel.cached_path()
    cached = langmodel.identifier()
    for identifier in (unpacked, cached):
        assert identifier.nb_ptc.dtype == original.nb_ptc.dtype
        assert np.array_equal(identifier.nb_ptc, original.nb_ptc)
        assert np.array_equal(identifier.nb_pc, original.nb_pc)
        assert identifier.nb_classes == original.nb_classes
        assert identifier.tk_nextmove == original.tk_nextmove
        assert identifier.tk_output == original.tk_output
        assert [identifier.classify(s) for s in SAMPLES] == \
            [original.classify(s) for s in SAMPLES]
    assert [cached.classify(s)[0] for s in SAMPLES] == ["fr", "es", "en"]
    assert written.stat().st_size > 1_000_000


def test_a_damaged_cache_file_is_unpacked_again(cache, original):
    written = langmodel.cached_path()
    written.parent.mkdir(parents=True)
    written.write_bytes(b"PK\x03\x04 not a zip")
    identifier = langmodel.identifier()
    assert identifier.nb_classes == original.nb_classes
    assert [identifier.classify(s)[0] for s in SAMPLES] == ["fr", "es", "en"]
    assert written.stat().st_size > 1_000_000  # written again, whole


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch, original):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    identifier = langmodel.identifier()
    assert identifier.classify(SAMPLES[0])[0] == "fr"
