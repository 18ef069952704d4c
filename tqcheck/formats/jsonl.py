"""JSON Lines corpus files (named source/target/id columns): see tqcheck.corpus."""

from tqcheck.corpus import read_jsonl as read

__all__ = ["read"]
