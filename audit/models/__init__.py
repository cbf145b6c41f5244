"""The optional model layer: translation (seq2seq) with glossary-constrained decoding, causal-LM
surprisal flags and fluency scores, sentence-embedding adequacy guards, model candidate
generators and their ranking, and a CTranslate2 path. Needs the ``models`` extra; nothing here
is imported unless ``AuditConfig.models`` names a model (see README-section.md)."""
