"""The step kinds (`steps/`) and layer kinds (`layers/`): one table per extension point, one module per kind, and `placing`, the drafts a step kind hands the planner.
"""
