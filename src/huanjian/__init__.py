"""huanjian (环监): supervision platform for stationary pollution sources.

The public API is exported on purpose; everything else is internal.
"""

from huanjian.errors import HuanjianError

__all__ = ["HuanjianError", "__version__"]
__version__ = "0.1.0"
