from hypothesis import given, settings, strategies as st
from tests.cogs import test_serial_plan as S

inner = S.test_random_serial_streams_follow_the_serials.hypothesis.inner_test

@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(S.serial_event, min_size=1, max_size=30), st.sampled_from(["fifo", "lifo", "specific"]), st.integers(1, 4))
def test_s(events, method, runs_every):
    try:
        inner(events, method, runs_every)
    except AssertionError:
        print("FAIL", events, method, runs_every)
        raise
