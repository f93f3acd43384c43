"""For the ``piccolo`` command line run from the repository root."""

from eldercare.piccolo_conf import APP_REGISTRY, DB  # noqa: F401
