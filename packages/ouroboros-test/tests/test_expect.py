# ruff: noqa: PT012 - expect_all blocks are the subject of these tests
"""expect(): every matcher passes and fails, and failures read well."""

import asyncio
import re

import pytest

from ouroboros.test import ExpectationFailed, expect, expect_all


def failure_of(fn) -> ExpectationFailed:
    with pytest.raises(ExpectationFailed) as info:
        fn()
    return info.value


PASSING = [
    lambda: expect(1).to_equal(1),
    lambda: expect({"a": [1, 2]}).to_equal({"a": [1, 2]}),
    lambda: expect(None).to_be(None),
    lambda: expect(1).to_be_truthy(),
    lambda: expect([]).to_be_falsy(),
    lambda: expect(None).to_be_none(),
    lambda: expect(True).to_be_true(),
    lambda: expect(False).to_be_false(),
    lambda: expect(3).to_be_greater_than(2),
    lambda: expect(3).to_be_greater_than_or_equal(3),
    lambda: expect(2).to_be_less_than(3),
    lambda: expect(3).to_be_less_than_or_equal(3),
    lambda: expect(0.1 + 0.2).to_be_close_to(0.3),
    lambda: expect(100.0).to_be_close_to(101.0, rel=0.02),
    lambda: expect(1.0).to_be_close_to(1.05, abs=0.1),
    lambda: expect("hello world").to_contain("world"),
    lambda: expect([1, 2, 3]).to_contain(2),
    lambda: expect({"k": 1}).to_contain("k"),
    lambda: expect([1, 2]).to_have_length(2),
    lambda: expect("").to_be_empty(),
    lambda: expect("abc123").to_match(r"\d+"),
    lambda: expect("abc").to_match(re.compile("^a")),
    lambda: expect("prefix-x").to_start_with("prefix"),
    lambda: expect("x.py").to_end_with(".py"),
    lambda: expect(1).to_be_instance_of(int),
    lambda: expect(1).to_be_instance_of((str, int)),
    lambda: expect(ValueError("x")).to_have_attribute("args"),
    lambda: expect(1).not_.to_equal(2),
    lambda: expect([1]).not_.to_be_empty(),
    lambda: expect("abc").not_.to_contain("z"),
    lambda: expect(1).not_.not_.to_equal(1),
]


@pytest.mark.parametrize("check", PASSING, ids=[str(i) for i in range(len(PASSING))])
def test_passing_matchers_do_not_raise(check):
    check()


FAILING = [
    (lambda: expect(1).to_equal(2), "Expected: 2", "Received: 1"),
    (lambda: expect([1, 2]).to_be([1, 2]), "the same object as [1, 2]", "use to_equal"),
    (lambda: expect(0).to_be_truthy(), "Expected: a truthy value", "Received: 0"),
    (lambda: expect("x").to_be_falsy(), "Expected: a falsy value", "Received: 'x'"),
    (lambda: expect(0).to_be_none(), "Expected: None", "Received: 0"),
    (lambda: expect(1).to_be_true(), "Expected: True", "Received: 1"),
    (lambda: expect(2).to_be_greater_than(2), "Expected: a value > 2", "Received: 2"),
    (lambda: expect(1).to_be_greater_than_or_equal(2), "a value >= 2", "Received: 1"),
    (lambda: expect(3).to_be_less_than(3), "a value < 3", "Received: 3"),
    (lambda: expect(4).to_be_less_than_or_equal(3), "a value <= 3", "Received: 4"),
    (lambda: expect("a").to_be_greater_than(1), "cannot compare", "Received: 'a'"),
    (lambda: expect(0.3).to_be_close_to(0.4), "0.4 ±", "Received: 0.3"),
    (lambda: expect("abc").to_contain("z"), "a value containing 'z'", "Received: 'abc'"),
    (lambda: expect(5).to_contain(1), "a value containing 1", "Received: 5"),
    (lambda: expect([1, 2, 3]).to_have_length(2), "Expected: length 2", "Received: length 3"),
    (lambda: expect(5).to_have_length(1), "length 1", "it has no length"),
    (lambda: expect([0]).to_be_empty(), "an empty value", "Received: [0]"),
    (lambda: expect("abc").to_match(r"^\d"), "a string matching /^\\d/", "Received: 'abc'"),
    (lambda: expect(12).to_match("1"), "a string matching /1/", "Received: 12"),
    (lambda: expect("abc").to_start_with("b"), "starting with 'b'", "Received: 'abc'"),
    (lambda: expect("abc").to_end_with("b"), "ending with 'b'", "Received: 'abc'"),
    (lambda: expect("1").to_be_instance_of(int), "an instance of int", "Received: str: '1'"),
    (lambda: expect(1).to_be_instance_of((str, bytes)), "an instance of str or bytes", "Received: int"),
    (lambda: expect(1).to_have_attribute("nope"), "attribute 'nope'", "Received: 1"),
    (lambda: expect(ValueError("v")).to_have_attribute("args", ()), "attribute 'args' == ()", "args=('v',)"),
    (lambda: expect(1).not_.to_equal(1), "Expected: not 1", "Received: 1"),
    (lambda: expect(None).not_.to_be_none(), "Expected: not None", "Received: None"),
]


@pytest.mark.parametrize(("check", "expected", "received"), FAILING, ids=[str(i) for i in range(len(FAILING))])
def test_failing_matchers_explain(check, expected, received):
    failure = failure_of(check)
    assert isinstance(failure, AssertionError)
    assert expected in failure.report
    assert received in failure.report


def test_report_shows_the_expression_as_written():
    age = 30
    failure = failure_of(lambda: expect(age).to_equal(31))
    lines = failure.report.splitlines()
    assert lines[0] == "expect(age).to_equal(31)"
    assert "  Expected: 31" in lines
    assert "  Received: 30" in lines
    assert failure.location.endswith(
        f"test_expect.py:{test_report_shows_the_expression_as_written.__code__.co_firstlineno + 2}"
    )


def test_summary_is_one_line():
    failure = failure_of(lambda: expect("a\nb").to_equal("a\nc"))
    assert "\n" not in failure.summary.replace("\\n", "")
    assert failure.summary.startswith("Expected 'a\\nc', received 'a\\nb'")


def test_dict_diff_marks_the_changed_field():
    expected = {"name": "Alice", "age": 31, "tags": ["a", "b"]}
    actual = {"name": "Alice", "age": 30, "tags": ["a", "b"]}
    report = failure_of(lambda: expect(actual).to_equal(expected)).report
    assert "Difference (- expected, + received):" in report
    diff = report.split("Difference (- expected, + received):")[1]
    assert "- {'age': 31," in diff
    assert "+ {'age': 30," in diff
    assert "'name': 'Alice'," in diff
    assert "- 'name'" not in diff


def test_list_diff_shows_the_extra_item():
    report = failure_of(lambda: expect([1, 2, 3]).to_equal([1, 2])).report
    diff = report.split("Difference")[1]
    assert "+  3]" in diff or "+ 3]" in diff or "+  3" in diff


def test_multiline_string_diff_is_line_by_line():
    report = failure_of(lambda: expect("one\ntwo\nthree").to_equal("one\n2\nthree")).report
    diff = report.split("Difference")[1]
    assert "- 2" in diff
    assert "+ two" in diff
    assert "  one" in diff


def test_long_structures_get_a_context_diff():
    expected = list(range(100))
    actual = list(range(100))
    actual[50] = -1
    diff = failure_of(lambda: expect(actual).to_equal(expected)).report.split("Difference")[1]
    assert "@@" in diff
    assert "- 50," in diff
    assert "+ -1," in diff
    assert " 10," not in diff


def test_same_text_different_types_is_said():
    report = failure_of(lambda: expect([1.0]).to_equal([1.5])).report
    assert "Difference" in report
    report = failure_of(lambda: expect({1}).to_equal({True, 2})).report
    assert "Expected: {True, 2}" in report


def test_long_values_are_shortened():
    report = failure_of(lambda: expect("x" * 10_000).to_equal("y")).report
    assert len(report) < 2_000
    assert "..." in report


def test_broken_repr_does_not_hide_the_failure():
    class Broken:
        def __repr__(self):
            raise RuntimeError("no repr")

    report = failure_of(lambda: expect(Broken()).to_be_none()).report
    assert "Received: <Broken instance at 0x" in report


def test_to_be_close_to_rejects_negative_tolerance():
    with pytest.raises(ValueError, match="tolerances must not be negative"):
        expect(1.0).to_be_close_to(1.0, rel=-1)


# --- to_raise --------------------------------------------------------------------


def boom(msg="bad value"):
    raise ValueError(msg)


def test_to_raise_returns_the_exception():
    exc = expect(boom).to_raise(ValueError, match="bad")
    assert isinstance(exc, ValueError)
    assert str(exc) == "bad value"


def test_to_raise_without_exception_fails():
    failure = failure_of(lambda: expect(lambda: 1).to_raise(ValueError))
    assert "Expected: ValueError to be raised" in failure.report
    assert "Received: no exception" in failure.report


def test_to_raise_message_mismatch_fails():
    failure = failure_of(lambda: expect(boom).to_raise(ValueError, match="^good"))
    assert "ValueError matching /^good/ to be raised" in failure.report
    assert "Received: ValueError('bad value')" in failure.report


def test_to_raise_other_exception_propagates():
    with pytest.raises(ValueError, match="bad value"):
        expect(boom).to_raise(KeyError)


def test_not_to_raise():
    expect(lambda: 1).not_.to_raise()
    failure = failure_of(lambda: expect(boom).not_.to_raise(ValueError))
    assert "Expected: not ValueError to be raised" in failure.report


def test_to_raise_needs_a_callable():
    with pytest.raises(TypeError, match="needs a callable or an awaitable"):
        expect(3).to_raise(ValueError)


async def fails_later():
    await asyncio.sleep(0)
    raise KeyError("missing")


async def fine():
    await asyncio.sleep(0)
    return 1


@pytest.mark.asyncio
async def test_to_raise_async_coroutine():
    exc = await expect(fails_later()).to_raise(KeyError, match="missing")
    assert isinstance(exc, KeyError)


@pytest.mark.asyncio
async def test_to_raise_async_function():
    exc = await expect(fails_later).to_raise(KeyError)
    assert isinstance(exc, KeyError)


@pytest.mark.asyncio
async def test_to_raise_async_without_exception_fails():
    with pytest.raises(ExpectationFailed, match="Received: no exception"):
        await expect(fine()).to_raise(ValueError)


# --- expect_all ---------------------------------------------------------------------


def test_expect_all_collects_every_failure():
    with pytest.raises(ExpectationFailed) as info, expect_all():
        expect(1).to_equal(2)
        expect("a").to_equal("a")
        expect([]).to_have_length(1)
    report = info.value.report
    assert report.startswith("2 expectations failed:")
    assert "1)" in report and "2)" in report
    assert "expect(1).to_equal(2)" in report
    assert "expect([]).to_have_length(1)" in report
    assert info.value.summary.startswith("2 expectations failed; first: Expected 2, received 1")


def test_expect_all_with_one_failure_raises_it_alone():
    with pytest.raises(ExpectationFailed) as info, expect_all():
        expect(1).to_equal(3)
    assert info.value.report.startswith("expect(1).to_equal(3)")


def test_expect_all_passes_when_all_hold():
    with expect_all() as group:
        expect(1).to_equal(1)
    assert group.failures == []


def test_expect_all_lets_other_exceptions_through():
    with pytest.raises(ZeroDivisionError), expect_all():
        expect(1).to_equal(2)
        1 / 0


@pytest.mark.asyncio
async def test_expect_all_async():
    with pytest.raises(ExpectationFailed, match="2 expectations failed"):
        async with expect_all():
            expect(1).to_equal(2)
            await asyncio.sleep(0)
            expect(2).to_equal(3)
