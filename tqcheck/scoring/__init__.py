"""Layer 5, scoring: the learned detector (inference only) and the fluency tier turn segments and their
findings into calibrated scores. Never imports training."""
