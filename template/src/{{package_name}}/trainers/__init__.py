"""Trainers: the code that fits a model, found through the `<package>.trainers` entry-point group.

The built-in scikit-learn trainer (scikit_learn.py) and every installed plugin register the same
way; `train list` shows them and `train.trainer` in params.yaml picks one. Keep this package's
imports light: listing trainers must stay fast.
"""
