"""What the home page reads: the pick lists and the latest answers of each form."""

from integration.home import HISTORY, home_sections, recent_objects
from tests.factories import FormSubmissionFactory


def test_each_pick_list_offers_its_own_latest_objects_however_many_of_the_other_kind_are_newer(user):
    older_source = FormSubmissionFactory(
        user=user, status="succeeded", kind="data_source", object_id="a" * 32, title="Reading list"
    )
    FormSubmissionFactory.create_batch(60, user=user, status="succeeded", kind="page", object_id="b" * 32)

    recent = recent_objects(user)

    assert recent["data_source_id"] == [{"id": older_source.object_id, "name": "Reading list"}]
    assert recent["page_id"] == [{"id": "b" * 32, "name": ""}]


def test_each_form_shows_its_own_latest_answers_newest_first_however_many_the_others_have(user):
    database = FormSubmissionFactory.create_batch(HISTORY + 2, user=user, action="database")
    comments = FormSubmissionFactory.create_batch(20, user=user, action="comment")

    sections = {section["action"]: section for section in home_sections(user)}

    assert sections["database"]["history"] == database[::-1][:HISTORY]
    assert sections["comment"]["history"] == comments[::-1][:HISTORY]
    assert sections["page"]["history"] == []
