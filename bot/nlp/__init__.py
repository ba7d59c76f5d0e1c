"""The NLU side: the spaCy pipeline built from the vocabulary, training with a cache, evaluation
and the CLINC150 out-of-scope sample."""
