"""Which nameko services make up the platform, and which events each one consumes."""
import importlib
import importlib.util
import inspect
import pkgutil
from dataclasses import dataclass

from nameko.events import BROADCAST, SINGLETON, EventHandler

# The gateway is a process of the platform too; every other one is services/<name>/service.py.
GATEWAY_MODULE = "gateway.service"


@dataclass(frozen=True)
class Consumer:
    service: str          # the consuming service's nameko name
    method: str           # its handler method
    source: str           # the producing service it listens to
    event_type: str
    queue: str            # the queue nameko declares for the handler
    reliable: bool        # kit.events.ReliableEventHandler: with .retry and .parked companions

    @property
    def name(self):
        return f"{self.service}.{self.method}"


def service_classes():
    """Every nameko service class of the platform, by its module's import path order."""
    import services
    modules = [f"services.{package.name}.service" for package in pkgutil.iter_modules(services.__path__)
               if package.ispkg and importlib.util.find_spec(f"services.{package.name}.service")]
    classes = []
    for module_name in [*modules, GATEWAY_MODULE]:
        module = importlib.import_module(module_name)
        classes.extend(cls for _, cls in inspect.getmembers(module, inspect.isclass)
                       if cls.__module__ == module.__name__ and isinstance(getattr(cls, "name", None), str)
                       and any(_entrypoints(cls)))
    return classes


def _entrypoints(cls):
    for method_name, member in inspect.getmembers(cls, inspect.isfunction):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            yield method_name, entrypoint


def consumers(classes=None):
    """Every event handler of the given (default: all) service classes."""
    from kit.events import ReliableEventHandler
    found = []
    for cls in classes if classes is not None else service_classes():
        for method_name, entrypoint in _entrypoints(cls):
            if isinstance(entrypoint, EventHandler):
                found.append(Consumer(cls.name, method_name, entrypoint.source_service, entrypoint.event_type,
                                      queue_name(entrypoint, cls.name, method_name),
                                      isinstance(entrypoint, ReliableEventHandler)))
    return sorted(found, key=lambda consumer: (consumer.event_type, consumer.name))


def queue_name(handler, service_name, method_name):
    """The queue nameko declares for ``handler`` (nameko.events.EventHandler.setup builds it only
    when a container starts; this is the same naming, without one)."""
    if handler.handler_type == SINGLETON:
        return f"evt-{handler.source_service}-{handler.event_type}"
    name = f"evt-{handler.source_service}-{handler.event_type}--{service_name}.{method_name}"
    # A broadcast handler's queue is per service instance; the suffix is known only at run time.
    return f"{name}-<broadcast_identifier>" if handler.handler_type == BROADCAST else name
