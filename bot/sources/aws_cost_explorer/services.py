"""What Cost Explorer's SERVICE names say in FOCUS terms: the charge category and service category.

Grouped by SERVICE, Cost Explorer reports some charges that are no usage as services of their
own: the month's tax comes as SERVICE "Tax", and refunds and credits that AWS books on their own
as "Refund" and "Credit" (credits applied to a service are netted into that service's costs).
Every other service's cost is usage.
"""

from __future__ import annotations

# FOCUS ChargeCategory (1.0 to 1.4): Usage, Purchase, Tax, Credit, Adjustment. A refund is
# money given back, a Credit, as costbot's CUR and Azure converters map it too: one meaning of
# "credits" whichever source the cost came from.
_CHARGE_CATEGORIES: dict[str, str] = {
    "tax": "Tax",
    "credit": "Credit",
    "refund": "Credit",
}
USAGE = "Usage"

# FOCUS ServiceCategory of the services ML teams pay for, by Cost Explorer's SERVICE name. The
# categories are those of finopsfoundation/focus_converters' AWS category mapping (by product
# code: AmazonEC2 -> Compute); Cost Explorer names services in words, so they are listed again
# here. A service not listed keeps no category rather than a guessed one.
_SERVICE_CATEGORIES: dict[str, str] = {
    "Amazon Elastic Compute Cloud - Compute": "Compute",
    "EC2 - Other": "Compute",
    "Amazon EC2 Container Registry (ECR)": "Compute",
    "Amazon Elastic Container Service": "Compute",
    "Amazon Elastic Container Service for Kubernetes": "Compute",
    "AWS Lambda": "Compute",
    "Amazon SageMaker": "AI and Machine Learning",
    "Amazon Bedrock": "AI and Machine Learning",
    "Amazon Rekognition": "AI and Machine Learning",
    "Amazon Textract": "AI and Machine Learning",
    "Amazon Simple Storage Service": "Storage",
    "Amazon Elastic File System": "Storage",
    "Amazon FSx": "Storage",
    "AWS Backup": "Storage",
    "Amazon Relational Database Service": "Databases",
    "Amazon DynamoDB": "Databases",
    "Amazon ElastiCache": "Databases",
    "Amazon Redshift": "Databases",
    "AWS Glue": "Analytics",
    "Amazon Athena": "Analytics",
    "Amazon Elastic MapReduce": "Analytics",
    "Amazon EMR": "Analytics",
    "Amazon Kinesis": "Analytics",
    "Amazon OpenSearch Service": "Analytics",
    "Amazon Virtual Private Cloud": "Networking",
    "Amazon CloudFront": "Networking",
    "Amazon Route 53": "Networking",
    "Amazon API Gateway": "Networking",
    "AWS Data Transfer": "Networking",
    "Amazon Elastic Load Balancing": "Networking",
    "Elastic Load Balancing": "Networking",
    "AmazonCloudWatch": "Management and Governance",
    "AWS CloudTrail": "Management and Governance",
    "AWS Key Management Service": "Security",
    "AWS Secrets Manager": "Security",
    "Amazon Simple Notification Service": "Integration",
    "Amazon Simple Queue Service": "Integration",
}


def charge_category(service: str | None) -> str:
    """The FOCUS ChargeCategory of one SERVICE group's cost."""
    if service is None:
        return USAGE
    return _CHARGE_CATEGORIES.get(service.strip().lower(), USAGE)


def service_category(service: str | None) -> str | None:
    """The FOCUS ServiceCategory of a SERVICE name, when it is one costbot knows."""
    if service is None:
        return None
    return _SERVICE_CATEGORIES.get(service.strip())
