"""Layer 3, language resources: the sentence encoder, multilingual E5-small token states (e5), sentence-embedding
helpers and word frequencies that checks and scorers share. Imports only the core."""
