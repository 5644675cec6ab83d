"""RPC payload schemas, one module per service and version."""
