"""Keeps this project in step with the template it was made from (Copier): `make update`,
`make check-update`, `make update-pr`, `make step` and `make plugin` run these commands.

The machine-learning package under src/ never imports this folder. A project that leaves the
template deletes it, .copier/ and .copier-answers.yml, and the Makefile's TEMPLATE section.
"""
