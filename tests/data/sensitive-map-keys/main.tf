variable "sid" {
  type      = string
  sensitive = true
  default   = "CANARY-datasrc-sid"
}
variable "tagkey" {
  type      = map(string)
  sensitive = true
  default   = { "CANARY-tag-key" = "CANARY-tag-value" }
}
data "aws_iam_policy_document" "p" {
  statement {
    sid     = var.sid
    effect  = "Allow"
    actions = ["secretsmanager:GetSecretValue"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    resources = ["*"]
  }
}
resource "aws_secretsmanager_secret" "s" {
  name = "x"
  tags = var.tagkey
}
resource "aws_secretsmanager_secret_policy" "s" {
  secret_arn = aws_secretsmanager_secret.s.arn
  policy     = data.aws_iam_policy_document.p.json
}
