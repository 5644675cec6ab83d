"""The HTTP gateway: authentication, validation, routing to RPC, error mapping."""
