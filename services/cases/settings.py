"""The cases service's rule values from config.yml, read once at start (``kit.settings.Settings``)."""
from dataclasses import dataclass

from services.cases import domain
from services.cases import suspects as suspect_rules


@dataclass(frozen=True)
class CaseSettings:
    time_limits: dict     # CASE_TIME_LIMITS over domain.DEFAULT_TIME_LIMITS
    referral_days: int    # REFERRAL_WORKING_DAYS, the reverse referral's working days

    @classmethod
    def from_config(cls, config):
        return cls(domain.time_limits_from_config(config.get("CASE_TIME_LIMITS")),
                   int(config.get("REFERRAL_WORKING_DAYS") or suspect_rules.REFERRAL_WORKING_DAYS))
