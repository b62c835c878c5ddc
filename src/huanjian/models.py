"""Every domain's models, imported once so that metadata and Alembic see them all.

A new domain adds one import line here.
"""

from huanjian.access import models as access_models
from huanjian.audit import models as audit_models
from huanjian.casework import models as casework_models
from huanjian.core.db import Base
from huanjian.credit import models as credit_models
from huanjian.detect import models as detect_models
from huanjian.draw import models as draw_models
from huanjian.field import models as field_models
from huanjian.geo import models as geo_models
from huanjian.ingest import models as ingest_models
from huanjian.jobs import models as jobs_models
from huanjian.notify import models as notify_models
from huanjian.power import models as power_models
from huanjian.register import models as register_models
from huanjian.review import models as review_models

metadata = Base.metadata

__all__ = [
    "access_models",
    "audit_models",
    "casework_models",
    "credit_models",
    "detect_models",
    "draw_models",
    "field_models",
    "geo_models",
    "ingest_models",
    "jobs_models",
    "metadata",
    "notify_models",
    "power_models",
    "register_models",
    "review_models",
]
