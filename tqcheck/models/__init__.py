"""Shipped, hash-pinned models (see README.md here) and the commands that rebuild them."""
