rule "tags-no-canary" {
  resource_types = ["aws_secretsmanager_secret"]
  forbid         = "$.tags.*"
  message        = "no tags"
}
