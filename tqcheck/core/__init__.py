"""Layer 1, the core: the data model (findings, documents, results), errors, limits, settings, the rule
registry's types and the interfaces every check and scorer implements. Imports nothing else of tqcheck."""
