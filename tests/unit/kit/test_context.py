"""The actor carried in the context."""
from kit.context import Actor


def test_actor_round_trips_and_requires_a_user_id():
    actor = Actor("u1", ("prosecutor",), "criminal")
    assert Actor.from_dict(actor.to_dict()) == actor
    assert Actor.from_dict({}) is None and Actor.from_dict(None) is None
