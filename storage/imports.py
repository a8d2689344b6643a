"""The import entry point (implemented in ``storage/importing/``).

Example::

    from storage.imports import import_file
    import_file(engine, "products", "products.csv").summary()
"""

from __future__ import annotations

from storage.importing import KINDS, ImportFailed, ImportReport, RowError, import_file

__all__ = ["KINDS", "ImportFailed", "ImportReport", "RowError", "import_file"]
