"""The gateway's routes, one module per domain. Each module is a mixin that declares the RPC
proxies it needs and its routes; ``gateway.service.GatewayService`` composes them. A new domain
adds a module here and one name to ``GatewayService``'s bases (tests/unit/gateway check that no
two mixins define the same method or the same method + path)."""
