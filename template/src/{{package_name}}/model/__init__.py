"""The model: what you own (train.py, predict.py, deploy.py) and what the template keeps
working for you (persistence, metadata, scoring)."""
