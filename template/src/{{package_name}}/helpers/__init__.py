"""Small utilities shared by the ETL, model and command modules."""
