"""Binary Windows event logs (``.evtx``): kind ``evtx``.

Data flow inside the package: ``prescan`` + ``guard`` (what the Rust engine must not read) →
``reader`` (the record loop: Rust engine, ``fold`` in ``analyze``, ``engine_json`` → RawRecord,
``normalize`` → Event) → ``chunks`` (completeness against the file's own chunk headers) →
``reframe`` / ``python_engine`` (records the engine lost).
"""

from .reader import KIND, KINDS, detect, parse

__all__ = ["KIND", "KINDS", "detect", "parse"]
