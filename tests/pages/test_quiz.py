"""The quiz component: its markup (what quiz.js and readers without JavaScript rely on), its
inline Markdown, that nothing an author writes in it can inject HTML, and that every lecture
gives its students at least three quizzes."""

from __future__ import annotations

import re

import markdown
import pytest
from mkdocs.utils.meta import get_data
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from engine.store import Store
from exports.lectures import lecture_folders
from pages.components import PageComponents, make_environment
from pages.editions import is_instructor_page, strip_instructor_blocks

from ..conftest import ROOT

OPTIONS = [
    {"text": "Pretraining", "feedback": "It predicts the *next* character."},
    {"text": "The reward model", "correct": True, "feedback": "It scores the `chosen` answer higher."},
    {"text": "SFT", "feedback": "It imitates example answers."},
]


@pytest.fixture
def components(tmp_path):
    (tmp_path / "generated").mkdir()
    return PageComponents(env=make_environment(ROOT / "templates"), store=Store(tmp_path / "generated", set()),
                          root=tmp_path, relative_url=lambda target: target,
                          render_markdown=lambda text: markdown.markdown(text))


def rendered(components, question, options, **kwargs) -> HTMLParser:
    return HTMLParser(components.restore(str(components.quiz(question, options, **kwargs))))


def test_markup_has_choices_check_status_and_a_no_js_answer(components):
    tree = rendered(components, "Which stage learns from pairs?", OPTIONS)
    form = tree.css_first("form.ig-quiz")
    assert form.attributes["aria-labelledby"] == tree.css_first("legend").attributes["id"]
    inputs = tree.css("input.ig-quiz__input")
    assert [i.attributes["type"] for i in inputs] == ["radio"] * 3
    assert [i.attributes["value"] for i in inputs] == ["0", "1", "2"]
    assert len({i.attributes["name"] for i in inputs}) == 1
    assert tree.css_first("button.ig-quiz__check").text() == "Check"
    assert tree.css_first(".ig-quiz__status").attributes["role"] == "status"
    # Without JavaScript: the key, with every option's feedback, is in a <details>.
    key = tree.css("details.ig-quiz__answer li.ig-quiz__key-item")
    assert [item.attributes["data-ig-option"] for item in key] == ["0", "1", "2"]
    assert [("--correct" in item.attributes["class"]) for item in key] == [False, True, False]
    assert "It imitates example answers." in key[2].text()


def test_several_right_answers_or_multiple_give_checkboxes(components):
    two_right = [dict(OPTIONS[0], correct=True), *OPTIONS[1:]]
    tree = rendered(components, "Q?", two_right)
    assert {i.attributes["type"] for i in tree.css("input")} == {"checkbox"}
    assert tree.css_first("form").attributes["data-ig-quiz-kind"] == "checkbox"
    tree = rendered(components, "Q?", OPTIONS, multiple=True)
    assert {i.attributes["type"] for i in tree.css("input")} == {"checkbox"}
    assert "every answer" in tree.css_first(".ig-quiz__hint").text()


def test_option_text_and_feedback_are_inline_markdown(components):
    tree = rendered(components, "Q?", OPTIONS)
    feedback = tree.css(".ig-quiz__feedback")
    assert feedback[0].css_first("em").text() == "next"
    assert feedback[1].css_first("code").text() == "chosen"
    assert not tree.css(".ig-quiz__option-text p")  # inline: no paragraph wrapper


def test_everything_is_escaped(components):
    hostile = [
        {"text": "<b>bold</b> & co", "correct": True, "feedback": "<img src=x onerror=alert(1)>"},
        {"text": "`a<b` stays code", "feedback": "<script>alert(2)</script>"},
    ]
    html = components.restore(str(components.quiz("<script>alert(3)</script>?", hostile)))
    tree = HTMLParser(html)
    assert not tree.css("script") and not tree.css("img") and not tree.css(".ig-quiz__option-text b")
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert tree.css_first(".ig-quiz__option-text").text() == "<b>bold</b> & co"
    assert tree.css_first(".ig-quiz__option-text code").text() == "a<b"  # escaped once, not twice


def test_ids_are_unique_on_a_page(components):
    first = rendered(components, "A?", OPTIONS).css_first("form").attributes["id"]
    second = rendered(components, "B?", OPTIONS).css_first("form").attributes["id"]
    assert first != second


@pytest.mark.parametrize(("options", "message"), [
    ([{"text": "a"}, {"text": "b"}], "at least one option correct"),
    ([{"text": "a", "correct": True}], "at least two options"),
    ([{"text": "a", "correct": True}, {"txt": "b"}], "each option is"),
])
def test_mistakes_fail_the_build_with_the_question(components, options, message):
    with pytest.raises(ValueError, match=message) as error:
        components.quiz("Which one?", options)
    assert "Which one?" in str(error.value)


QUIZ_CALL = re.compile(r"\{\{-?\s*quiz\(")
MIN_QUIZZES = 3
DOCS = ROOT / "site_src"


def student_quizzes(page) -> int:
    """The quiz calls a student sees on a page: none on an instructor-only page, none in an
    instructor block (the student edition strips both)."""
    body, meta = get_data(page.read_text(encoding="utf-8"))
    return 0 if is_instructor_page(meta) else len(QUIZ_CALL.findall(strip_instructor_blocks(body)))


def test_the_quiz_counter_sees_what_the_student_edition_keeps(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('{{ quiz("A?", o) }}\n{{- quiz("B?", o) }}\n\n!!! instructor "Key"\n    {{ quiz("C?", o) }}\n')
    assert student_quizzes(page) == 2
    page.write_text('---\nedition: instructor\n---\n{{ quiz("A?", o) }}\n')
    assert student_quizzes(page) == 0


def test_every_lecture_has_at_least_three_quizzes_for_students():
    lectures = [name for name in lecture_folders(DOCS) if any((DOCS / name).rglob("*.md"))]
    assert lectures, "no lecture folders in site_src"
    counts = {name: sum(student_quizzes(page) for page in (DOCS / name).rglob("*.md")) for name in lectures}
    assert {name: n for name, n in counts.items() if n < MIN_QUIZZES} == {}, counts
