"""Binary Windows event logs (``.evtx``): kind ``evtx``.

Data flow inside the package: ``slots`` (each chunk slot read once: ``prescan`` + ``guard``,
what the Rust engine must not read; ``chunk_gate`` + ``chunk_keys``, chunks nothing can use;
``record_skip``, records nothing can use inside the chunks it reads, their keys read by
``chunk_keys`` and ``template_keys``, compiled or not: ``walks``) →
``reader`` (the record loop: Rust engine, ``fold`` in ``analyze``, ``engine_json`` → RawRecord,
``normalize`` → Event) → ``chunks`` (completeness against the file's own chunk headers) →
``reframe`` / ``python_engine`` (records the engine lost).
"""

from .reader import KIND, KINDS, detect, parse

__all__ = ["KIND", "KINDS", "detect", "parse"]
