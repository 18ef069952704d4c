"""Layer 2, readers: files and streams (text, Markdown, XLIFF, PO, TMX, SRT, tables, JSONL, Parquet) into
Documents of Segments. Imports only the core."""
