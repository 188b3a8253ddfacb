from kernel.migrations import run_env
from services.testing import resources_models  # noqa: F401  (registers its tables on Base)
from services.testing.models import Base

run_env(Base.metadata)
