import uuid

import factory
from django.contrib.auth import get_user_model

from integration.models import FormSubmission, Job, NotionRequestLog, Outcome, Source


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery")


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class NotionRequestLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotionRequestLog

    operation = "pages.create"
    method = "POST"
    url = "https://api.notion.com/v1/pages"
    status = 200
    outcome = Outcome.SUCCESS
    duration_ms = 120
    correlation_id = factory.LazyFunction(uuid.uuid4)
    source = Source.WEB
    request_body = factory.LazyFunction(lambda: {"parent": {}})
    response_body = factory.LazyFunction(lambda: {"object": "page"})


class FormSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FormSubmission

    key = factory.LazyFunction(uuid.uuid4)
    user = factory.SubFactory(UserFactory)
    action = FormSubmission.Action.DATABASE


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    kind = Job.Kind.CONTENT
    owner = factory.SubFactory(UserFactory)
    total = 5
    input = factory.LazyFunction(lambda: {"page_id": "", "content": "", "format": "plain"})
