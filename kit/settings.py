"""A service's rule values from config.yml, read once at start: ``settings = Settings(policy.Settings.from_config)``.

A rule table that cannot be used stops the service from starting, loudly, instead of failing one
request or event at a time; and no request parses the configuration again."""
from nameko.extensions import DependencyProvider


class Settings(DependencyProvider):
    def __init__(self, from_config):
        self.from_config = from_config

    def setup(self):
        self.settings = self.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.settings
