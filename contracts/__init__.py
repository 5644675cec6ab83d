"""The only definitions Pingjian's services share: enums, the event envelope,
every event's payload schema and the RPC payload schemas, versioned."""
