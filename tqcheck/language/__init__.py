"""Layer 3, language resources: the sentence encoder, sentence-embedding helpers and word frequencies that
checks and scorers share. Imports only the core."""
