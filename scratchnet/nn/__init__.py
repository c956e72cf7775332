"""``scratchnet.nn`` — mirrors ``torch.nn``."""

from . import functional, init, utils
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .modules.module import checked_backward
from .parameter import Parameter

__all__ = ["Parameter", "functional", "init", "utils", "checked_backward", *_modules_all]
