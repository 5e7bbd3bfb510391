"""URL of SQS's API: one endpoint, ``/sqs`` (``endpoint_url="http://127.0.0.1:8000/sqs"``).

botocore keeps the endpoint's path and posts every SQS call to it (the operation is in the
``X-Amz-Target`` header), so SQS lives apart from the site root's landing page and from
Lambda's dated prefixes.
"""

from __future__ import annotations

from django.urls import re_path

from studyapp.sandbox.api import sqs_api

urlpatterns = [
    re_path(r"^sqs/?$", sqs_api.sqs_endpoint, name="sqs_api"),
]
