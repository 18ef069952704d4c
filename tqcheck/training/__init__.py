"""Layer 9, training: training data, synthetic damage, fine-tuning, building and exporting models. Only the
faces (``tqcheck train``) import it; nothing that checks text does."""
