"""A Python Lambda handler behind the REST API route POST /dev/orders (payload format 1.0)."""
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ORDERS = []  # module state survives between invocations of a warm instance


def handler(event, context):
    try:
        order = json.loads(event.get("body") or "{}")
    except json.JSONDecodeError:
        return {"statusCode": 400, "body": json.dumps({"message": "body is not JSON"})}
    ORDERS.append(order)
    logger.info("order %d received: %s", len(ORDERS), order)
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"orderNumber": len(ORDERS), "order": order,
                            "stage": event["requestContext"]["stage"],
                            "requestId": context.aws_request_id}),
    }
