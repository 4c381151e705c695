"""Suites run in-process: lifecycle, fixtures, marks, outcomes."""

import asyncio
import io
import time

import pytest

from ouroboros.test import (
    FixtureError,
    TestSuite,
    expect,
    fixture,
    parametrize,
    skip,
    skip_if,
    skip_test,
    tag,
    test,
    timeout,
    xfail,
)


def run(suite: TestSuite, **kw):
    return asyncio.run(suite.run(verbose=False, **kw))


def outcomes(report):
    return {r.name: r.outcome for r in report.results}


def test_seed_example_runs():
    class TestUser(TestSuite):
        @test
        def test_create_user(self):
            expect("Alice").to_equal("Alice")
            expect(30).to_be_greater_than(0)

        @test
        async def test_async_operation(self):
            await asyncio.sleep(0)
            expect(1).to_be_truthy()

    report = run(TestUser())
    assert outcomes(report) == {"test_create_user": "passed", "test_async_operation": "passed"}
    assert report.ok and report.passed == 2


def test_run_prints_results():
    class TestPrint(TestSuite):
        @test
        def test_ok(self):
            pass

        @test
        def test_bad(self):
            expect(1).to_equal(2)

    out = io.StringIO()
    report = asyncio.run(TestPrint().run(file=out))
    text = out.getvalue()
    assert text.startswith("TestPrint\n")
    assert "+ test_ok" in text or "✓ test_ok" in text
    assert "expect(1).to_equal(2)" in text
    assert text.rstrip().endswith("2 tests: 1 passed, 1 failed")
    assert not report.ok


def test_lifecycle_order():
    calls = []

    class TestOrder(TestSuite):
        def setup_suite(self):
            calls.append("setup_suite")

        async def setup(self):
            calls.append("setup")

        def teardown(self):
            calls.append("teardown")

        async def teardown_suite(self):
            calls.append("teardown_suite")

        @test
        def test_a(self):
            calls.append("a")

        @test
        def test_b(self):
            calls.append("b")

    run(TestOrder())
    assert calls == ["setup_suite", "setup", "a", "teardown", "setup", "b", "teardown", "teardown_suite"]


def test_methods_named_test_are_collected_without_decorator():
    class TestNames(TestSuite):
        def test_plain(self):
            pass

        def helper(self):
            raise AssertionError("not a test")

        @test
        def checks_something(self):
            pass

    assert [c.name for c in TestNames.collect()] == ["test_plain", "checks_something"]


def test_inherited_tests_run_in_subclass():
    class Base(TestSuite):
        @test
        def test_base(self):
            pass

    class TestChild(Base):
        @test
        def test_child(self):
            pass

    assert [c.name for c in TestChild.collect()] == ["test_base", "test_child"]


def test_setup_failure_is_an_error_and_teardown_still_runs():
    torn = []

    class TestSetupFails(TestSuite):
        def setup(self):
            raise RuntimeError("no database")

        def teardown(self):
            torn.append(1)

        @test
        def test_x(self):
            pass

    report = run(TestSetupFails())
    (result,) = report.results
    assert result.outcome == "error"
    assert result.message == "setup: RuntimeError: no database"
    assert torn == [1]


def test_setup_suite_failure_errors_every_test():
    class TestSuiteSetupFails(TestSuite):
        def setup_suite(self):
            raise OSError("cannot start")

        @test
        def test_a(self):
            pass

        @test
        def test_b(self):
            pass

    report = run(TestSuiteSetupFails())
    assert outcomes(report) == {"test_a": "error", "test_b": "error"}
    assert all(r.message == "setup_suite: OSError: cannot start" for r in report.results)


def test_teardown_suite_failure_marks_last_test():
    class TestTeardownFails(TestSuite):
        def teardown_suite(self):
            raise RuntimeError("leak")

        @test
        def test_a(self):
            pass

        @test
        def test_b(self):
            pass

    report = run(TestTeardownFails())
    assert outcomes(report) == {"test_a": "passed", "test_b": "error"}
    assert report.results[1].message == "teardown_suite: RuntimeError: leak"


def test_teardown_failure_turns_pass_into_error():
    class TestTeardown(TestSuite):
        def teardown(self):
            raise ValueError("dirty")

        @test
        def test_a(self):
            pass

    (result,) = run(TestTeardown()).results
    assert result.outcome == "error"
    assert result.message == "teardown: ValueError: dirty"


def test_failure_keeps_its_exception_and_traceback():
    class TestRaises(TestSuite):
        @test
        def test_a(self):
            {}["missing"]

    (result,) = run(TestRaises()).results
    assert result.outcome == "failed"
    assert result.message == "KeyError: 'missing'"
    assert "Traceback" in result.longrepr
    assert "ouroboros/test/_suite.py" not in result.longrepr
    assert isinstance(result.exc, KeyError)


def test_bare_assert_shows_statement_and_values(tmp_path, monkeypatch):
    # A module pytest does not rewrite, so the assert stays bare.
    (tmp_path / "bare_assert_suite.py").write_text(
        "from ouroboros.test import TestSuite, test\n\n"
        "class TestAssert(TestSuite):\n"
        "    @test\n"
        "    def test_a(self):\n"
        "        total = 3\n"
        "        assert total == 4\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import bare_assert_suite

    (result,) = run(bare_assert_suite.TestAssert()).results
    assert result.message == "AssertionError: assert total == 4"
    assert "  total = 3" in result.longrepr


def test_output_is_captured_per_test():
    class TestOutput(TestSuite):
        @test
        def test_a(self):
            print("from a")

        @test
        def test_b(self):
            import sys

            print("from b", file=sys.stderr)

    report = run(TestOutput())
    assert [r.output for r in report.results] == ["from a\n", "from b\n"]


def test_duration_is_measured():
    class TestSlow(TestSuite):
        @test
        def test_a(self):
            time.sleep(0.05)

    (result,) = run(TestSlow()).results
    assert 0.04 < result.duration < 5


# --- marks -----------------------------------------------------------------------


def test_skip_and_skip_if():
    class TestSkips(TestSuite):
        @skip("not on this platform")
        @test
        def test_a(self):
            raise AssertionError("must not run")

        @skip_if(True, "condition held")
        @test
        def test_b(self):
            raise AssertionError("must not run")

        @skip_if(False, "condition false")
        @test
        def test_c(self):
            pass

        @test
        def test_d(self):
            skip_test("decided at run time")

    report = run(TestSkips())
    assert outcomes(report) == {"test_a": "skipped", "test_b": "skipped", "test_c": "passed", "test_d": "skipped"}
    assert [r.message for r in report.results if r.outcome == "skipped"] == [
        "not on this platform",
        "condition held",
        "decided at run time",
    ]


def test_xfail_outcomes():
    class TestXfail(TestSuite):
        @xfail("known bug")
        @test
        def test_fails(self):
            expect(1).to_equal(2)

        @xfail("fixed?")
        @test
        def test_passes(self):
            pass

        @xfail("must fail", strict=True)
        @test
        def test_strict_passes(self):
            pass

        @xfail("wrong error", raises=KeyError)
        @test
        def test_other_error(self):
            raise ValueError("not a key error")

    report = run(TestXfail())
    assert outcomes(report) == {
        "test_fails": "xfailed",
        "test_passes": "xpassed",
        "test_strict_passes": "failed",
        "test_other_error": "failed",
    }
    assert report.results[2].message == "XPASS(strict): must fail"


def test_parametrize_expands_with_ids():
    class TestParams(TestSuite):
        @parametrize("a, b", [(1, 2), (2, 3), ("x", None)])
        @test
        def test_pair(self, a, b):
            pass

        @parametrize("n", [1, 2])
        @parametrize("s", ["p", "q"])
        @test
        def test_product(self, n, s):
            pass

        @parametrize("v", [[1], [2]], ids=["one", "two"])
        @test
        def test_ids(self, v):
            expect(v).to_have_length(1)

        @parametrize("v", [1, 1])
        @test
        def test_dupes(self, v):
            pass

        @parametrize("obj", [object()])
        @test
        def test_object(self, obj):
            pass

    names = [c.name for c in TestParams.collect()]
    assert names == [
        "test_pair[1-2]",
        "test_pair[2-3]",
        "test_pair[x-None]",
        "test_product[1-p]",
        "test_product[1-q]",
        "test_product[2-p]",
        "test_product[2-q]",
        "test_ids[one]",
        "test_ids[two]",
        "test_dupes[10]",
        "test_dupes[11]",
        "test_object[obj0]",
    ]
    assert run(TestParams()).ok


def test_parametrize_values_reach_the_test():
    seen = []

    class TestValues(TestSuite):
        @parametrize("x, y", [(1, 10), (2, 20)])
        @test
        def test_v(self, x, y):
            seen.append((x, y))

    run(TestValues())
    assert seen == [(1, 10), (2, 20)]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: parametrize("", [1]), "at least one argument name"),
        (lambda: parametrize("a, b", [1]), "does not give 2 values"),
        (lambda: parametrize("a", [1, 2], ids=["x"]), "1 ids for 2 values"),
        (lambda: timeout(0), "timeout must be a number of seconds"),
        (lambda: timeout(float("nan")), "timeout must be a number of seconds"),
        (lambda: test(timeout=-1), "timeout must be a number of seconds"),
        (lambda: tag("two words"), "a tag is a non-empty word"),
        (lambda: tag(""), "a tag is a non-empty word"),
        (lambda: fixture(scope="module"), "fixture scope must be one of"),
    ],
)
def test_bad_marks_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_tags_from_suite_and_test():
    @tag("db")
    class TestTagged(TestSuite):
        @tag("slow")
        @test
        def test_a(self):
            pass

        @test(tags=["api"])
        def test_b(self):
            pass

    cases = TestTagged.collect()
    assert [c.tags for c in cases] == [["db", "slow"], ["db", "api"]]
    report = run(TestTagged(), tags="api")
    assert [r.name for r in report.results] == ["test_b"]


def test_pattern_selects_by_name():
    class TestPick(TestSuite):
        @test
        def test_user_create(self):
            pass

        @test
        def test_order(self):
            pass

    report = run(TestPick(), pattern="USER")
    assert [r.name for r in report.results] == ["test_user_create"]


def test_sync_timeout_fails_the_test():
    class TestTimeouts(TestSuite):
        @timeout(0.2)
        @test
        def test_sleepy(self):
            time.sleep(5)

    start = time.perf_counter()
    (result,) = run(TestTimeouts()).results
    assert time.perf_counter() - start < 4
    assert result.outcome == "failed"
    assert result.message == "TestTimeout: Timeout: the test ran longer than 0.2s"


def test_async_timeout_fails_the_test():
    class TestTimeouts(TestSuite):
        timeout = 0.2

        @test
        async def test_sleepy(self):
            await asyncio.sleep(5)

    (result,) = run(TestTimeouts()).results
    assert result.outcome == "failed"
    assert "ran longer than 0.2s" in result.message


# --- fixtures -----------------------------------------------------------------------


def test_fixture_scopes_and_teardown_order():
    events = []

    class TestFixtures(TestSuite):
        @fixture(scope="suite")
        def conn(self):
            events.append("open conn")
            yield {"conn": True}
            events.append("close conn")

        @fixture
        async def row(self, conn):
            events.append("make row")
            await asyncio.sleep(0)
            return {"conn": conn, "id": len(events)}

        @fixture
        async def tx(self, conn):
            events.append("begin")
            yield "tx"
            events.append("rollback")

        @test
        def test_a(self, row, tx):
            expect(row["conn"]).to_equal({"conn": True})
            events.append("a")

        @test
        def test_b(self, row):
            events.append("b")

    report = run(TestFixtures())
    assert report.ok, [r.longrepr for r in report.results]
    assert events == ["open conn", "make row", "begin", "a", "rollback", "make row", "b", "close conn"]


def test_test_scoped_fixture_is_fresh_per_test():
    ids = []

    class TestFresh(TestSuite):
        @fixture
        def box(self):
            return []

        @test
        def test_a(self, box):
            box.append(1)
            ids.append(id(box))
            expect(box).to_equal([1])

        @test
        def test_b(self, box):
            box.append(2)
            expect(box).to_equal([2])

    assert run(TestFresh()).ok


def test_missing_fixture_is_an_error():
    class TestMissing(TestSuite):
        @test
        def test_a(self, nowhere):
            pass

    (result,) = run(TestMissing()).results
    assert result.outcome == "error"
    assert "fixture 'nowhere' not found" in result.message


def test_scope_mismatch_is_an_error():
    class TestMismatch(TestSuite):
        @fixture
        def narrow(self):
            return 1

        @fixture(scope="suite")
        def wide(self, narrow):
            return narrow

        @test
        def test_a(self, wide):
            pass

    (result,) = run(TestMismatch()).results
    assert result.outcome == "error"
    assert "a fixture can only use fixtures of its scope or wider" in result.longrepr


def test_fixture_loop_is_an_error():
    class TestLoop(TestSuite):
        @fixture
        def a(self, b):
            return 1

        @fixture
        def b(self, a):
            return 2

        @test
        def test_x(self, a):
            pass

    (result,) = run(TestLoop()).results
    assert result.outcome == "error"
    assert "in a loop: a -> b -> a" in result.message
    assert issubclass(FixtureError, Exception)


def test_fixture_teardown_error_is_reported():
    class TestFixtureTeardown(TestSuite):
        @fixture
        def res(self):
            yield 1
            raise RuntimeError("cleanup failed")

        @test
        def test_a(self, res):
            pass

    (result,) = run(TestFixtureTeardown()).results
    assert result.outcome == "error"
    assert result.message == "teardown: RuntimeError: cleanup failed"


def test_builtin_tmp_path():
    seen = []

    class TestTmp(TestSuite):
        @test
        def test_a(self, tmp_path):
            (tmp_path / "f.txt").write_text("x")
            seen.append(tmp_path)
            expect(tmp_path.is_dir()).to_be_true()

    assert run(TestTmp()).ok
    assert not seen[0].exists()


def test_fixture_with_parametrize():
    class TestMix(TestSuite):
        @fixture
        def base(self):
            return 10

        @parametrize("n", [1, 2])
        @test
        def test_add(self, base, n):
            expect(base + n).to_be_greater_than(10)

    report = run(TestMix())
    assert [r.outcome for r in report.results] == ["passed", "passed"]
