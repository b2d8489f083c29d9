"""Operations tools run against a deployment (boto3; never deployed)."""
