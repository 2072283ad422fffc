from hypothesis import given, settings, strategies as st
from tests.cogs import test_serial_plan as S
from tests.cogs import test_allocation as T

inner_s = S.test_random_serial_streams_follow_the_serials.hypothesis.inner_test
inner_t = T.test_random_streams_tie.hypothesis.inner_test

@settings(max_examples=20000, deadline=None, database=None)
@given(st.lists(T.event, min_size=1, max_size=30), st.sampled_from(["fifo", "lifo"]), st.integers(1, 4))
def test_t(events, method, runs_every):
    try:
        inner_t(events, method, runs_every)
    except AssertionError:
        open("/tmp/propfix/fail_t.txt", "a").write(repr((events, method, runs_every)) + "\n")
        raise
