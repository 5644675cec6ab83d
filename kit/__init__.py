"""The platform kit: the few mechanisms every Pingjian service shares, one way each.

- errors:   typed domain errors that survive an RPC hop intact
- context:  actor + correlation id carried gateway -> RPC -> outbox -> events -> logs
- logging:  JSON log lines stamped with the correlation id
- mongo:    one database per service, indexes declared by the service
- outbox:   state change + event in one transaction, relayed to RabbitMQ
- events:   reliable, idempotent event handlers (retry, park, dedupe)
"""
