"""What the AWS provider renders itself: `aws_iam_policy_document`."""
