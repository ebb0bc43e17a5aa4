"""tfcheck: a policy checker for cross-account AWS Secrets Manager access in Terraform."""

__version__ = "0.1.0"
