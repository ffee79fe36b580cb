"""Operator templates are bounded: a loop, a huge value or a huge output fails fast with
TemplateBudgetError instead of holding the thread that renders (issue 21)."""

from __future__ import annotations

import threading

import jinja2
import pytest

from warnd.templating import RULE_TEXT_BUDGET, BoundedEnvironment, Budget, TemplateBudgetError, render_bounded

HOSTILE = [
    pytest.param("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", id="nested-loops"),
    pytest.param("{{ range(100000)|join(',') }}", id="filter-over-a-long-range"),
    pytest.param("{{ 'x' * 10**9 }}", id="string-times-huge"),
    pytest.param("{{ [0] * 1000000000 }}", id="list-times-huge"),
    pytest.param("{{ 9 ** 99999999 }}", id="huge-power"),
    pytest.param("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                 id="concat-doubling"),
    pytest.param("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
                 id="plus-doubling"),
    pytest.param("{{ 'x'|center(1000000000) }}", id="filter-width"),
    pytest.param("{{ 'x'.ljust(1000000000) }}", id="method-width"),
    pytest.param("{{ '{:>999999999}'.format(1) }}", id="format-method-width"),
    pytest.param("{{ '%999999999s'|format(1) }}", id="format-filter-width"),
    pytest.param("{% for i in range(5000) %}{{ 'abcdefghij' * 10 }}{% endfor %}", id="long-output"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_templates_fail_within_their_budget(source: str) -> None:
    env = BoundedEnvironment(budget=RULE_TEXT_BUDGET)
    with pytest.raises(TemplateBudgetError):
        env.from_string(source).render(value=1)


@pytest.mark.timeout(30)
def test_a_budget_error_is_a_template_error_callers_already_handle() -> None:
    env = BoundedEnvironment(budget=Budget(steps=100))
    with pytest.raises(jinja2.TemplateError):
        env.from_string("{% for i in range(1000) %}{{ i }}{% endfor %}").render()


@pytest.mark.parametrize("source, expected", [
    pytest.param("{{ labels.region }}: {{ value|round(1) }} killed", "Latakia: 12 killed", id="title"),
    pytest.param("{% for k, v in labels.items() %}{{ k }}={{ v }}{% endfor %}", "region=Latakia", id="loop"),
    pytest.param("{{ 'a' ~ 'b' ~ value }} {{ [1, 2] + [3] }} {{ 'ab' * 2 }} {{ 2 ** 10 }}", "ab12 [1, 2, 3] abab 1024",
                 id="operators"),
    pytest.param("{{ range(3)|list }} {{ range(5)|length }} {{ '%5d'|format(3) }}", "[0, 1, 2] 5     3", id="range"),
    pytest.param("{{ 'toll 1000000 {}'.format(3) }}", "toll 1000000 3", id="digits-outside-a-width"),
])
def test_ordinary_templates_render_as_before(source: str, expected: str) -> None:
    env = BoundedEnvironment(budget=RULE_TEXT_BUDGET)
    assert env.from_string(source).render(labels={"region": "Latakia"}, value=12) == expected


def test_each_render_has_its_own_budget() -> None:
    env = BoundedEnvironment(budget=Budget(steps=50))
    template = env.from_string("{% for i in range(20) %}{{ i }}{% endfor %}")
    for _ in range(100):    # 2,000 steps in all, 20-odd a render
        template.render()


def test_renders_on_several_threads_spend_their_own_budgets() -> None:
    env = BoundedEnvironment(budget=Budget(steps=1000))
    template = env.from_string("{% for i in range(300) %}.{% endfor %}")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                assert len(template.render()) == 300
        except BaseException as e:
            errors.append(e)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_render_bounded_takes_another_budget() -> None:
    env = BoundedEnvironment()
    template = env.from_string("{% for i in range(100) %}.{% endfor %}")
    assert render_bounded(template, {}) == "." * 100
    with pytest.raises(TemplateBudgetError):
        render_bounded(template, {}, Budget(steps=10))
