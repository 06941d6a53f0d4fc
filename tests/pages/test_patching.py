"""patch_once: a replacement is installed once, however often MkDocs starts in a process."""

from __future__ import annotations

from types import SimpleNamespace

from pages.patching import patch_once


def test_a_second_install_keeps_the_first_replacement_and_never_wraps_it():
    owner = SimpleNamespace(double=lambda x: 2 * x)
    original = owner.double
    made = []

    def make(inner):
        def plus_one(x):
            return inner(x) + 1

        made.append(plus_one)
        return plus_one

    patch_once(owner, "double", make)
    patch_once(owner, "double", make)
    assert owner.double(5) == 11  # 2 * 5 + 1, not + 2
    assert len(made) == 1 and owner.double is made[0]
    assert owner.double.__wrapped__ is original
