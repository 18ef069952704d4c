"""JSON Lines corpus files (named source/target/id columns): see tqcheck.readers.corpus."""

from tqcheck.readers.corpus import read_jsonl as read

__all__ = ["read"]
