"""The platform kit: the few mechanisms every Pingjian service shares, one way each.

- entrypoints: ``@command`` / ``@query`` (actor, input loaded, output dumped, typed errors), ``HealthCheck``
- events:      ``@consumes`` (validated, idempotent inside the inbox transaction), retry and parking
- storage:     ``Storage(StoreClass, INDEXES)``: one store per worker with its outbox writer, the relay
- aggregate:   read → decide → write-if-unchanged → outbox, for versioned documents
- outbox:      state change + event in one transaction, relayed to RabbitMQ under a lease
- mongo:       one database per service, bounded operations and transactions
- errors:      typed domain errors that survive an RPC hop intact
- context:     actor + correlation id carried gateway -> RPC -> outbox -> events -> logs
- logging:     JSON log lines stamped with the correlation id, passwords in URIs masked
- pagination:  cursor pages in a stable order, cursors checked completely
- rpc_client:  calls to a service bounded in time (the gateway's, and one service asking another)
- sealing:     personal data encrypted at rest under rotatable keys, with a keyed hash for lookups
- preflight:   what a process refuses to start with (missing or published secrets)
- clock, calendar, deadlines, jobs: "now" from one place, working days, deadlines and periodic jobs
- run:         ``python -m kit.run``: ``nameko run`` with a bounded stop
"""
