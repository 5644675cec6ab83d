"""The outbox's publication order."""


def test_outbox_sequence_is_strictly_increasing_even_within_one_clock_tick():
    from kit.outbox import next_sequence
    values = [next_sequence() for _ in range(10000)]
    assert all(later > earlier for earlier, later in zip(values[:-1], values[1:], strict=True))
