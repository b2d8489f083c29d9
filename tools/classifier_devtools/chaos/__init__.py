"""Chaos run of the S3 path against moto's server on 127.0.0.1: nothing lost, nothing doubled.

scripts/chaos.py --uploads 500          # make chaos

It uploads images to a moto bucket whose notifications go to a moto queue, so the events are
the ones S3 writes. Each event goes to handler.classify_upload as Lambda's asynchronous
invocation would: up to 2 retries after a failure, then an invocation record on the on-failure
queue (a moto SQS queue). Some events are delivered twice, as S3 may. Meanwhile the function's
own S3 client meets injected faults: throttling (503 SlowDown) on any call, and 500s on
GetObject and PutObject, at set rates. Then classifier_ops.redrive empties the dead-letter queue
through the same function, faults still on, pass after pass. The counts must show every upload
with exactly one result object and none left in the queue.

It is a development tool, not an operations one: it never touches a deployment, and it needs
moto. Time is compressed: botocore's retry delays are zeroed, its retry decisions are kept.
"""
