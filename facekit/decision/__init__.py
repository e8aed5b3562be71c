"""Decisions: the verdict rule (``rule``: where a P(same) becomes "same", "different" or "not
sure", and the words for it) and the measures of how well a rule does on labelled pairs
(``metrics``: accuracy, ROC, the two lines of a three-way verdict, LFW's ten folds).

Plain numpy, no model: everything above uses it. Add a verdict line here.
May import: the shared modules only.
"""
