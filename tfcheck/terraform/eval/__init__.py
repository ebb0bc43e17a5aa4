"""Evaluating a configuration as Terraform would: expressions, functions, scopes, modules."""
