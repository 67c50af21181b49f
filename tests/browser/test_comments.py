"""Form 4 in the browser: choose a block of the page, comment on it, see the comments there."""

from playwright.sync_api import expect

from integration.models import FormSubmission
from tests.browser.test_in_browser import run_the_four_forms, section

BLOCK = "Paragraph: A desert planet."


def show_the_comments_of(page, block_label: str = "") -> None:
    """List the page's blocks, choose one (or the page), and show its comments."""
    section(page, "comment").get_by_role("button", name="Show blocks and comments").click()
    on = section(page, "comment").get_by_label("On")
    expect(on.locator("option")).not_to_have_count(1)
    if block_label:
        on.select_option(label=block_label)
        section(page, "comment").get_by_role("button", name="Show blocks and comments").click()
        expect(section(page, "comment").locator(".comment-targets")).to_contain_text("Comments on this block")


def test_a_comment_on_a_block_chosen_from_the_pages_blocks(page):
    run_the_four_forms(page)

    show_the_comments_of(page)
    targets = section(page, "comment").locator(".comment-targets")
    expect(targets).to_contain_text("Comments on the page")
    expect(targets).to_contain_text("Read it twice")
    section(page, "comment").get_by_label("On").select_option(label=BLOCK)
    section(page, "comment").get_by_label("Comment").fill("Which planet?")
    section(page, "comment").get_by_role("button", name="Add comment").click()

    latest = section(page, "comment").locator(".results .latest li")
    expect(latest).to_contain_text("Comment added to a block of “Dune”")
    submission = FormSubmission.objects.filter(action="comment").latest("id")
    assert submission.status == "succeeded" and submission.input["block_id"]
    show_the_comments_of(page, BLOCK)
    targets = section(page, "comment").locator(".comment-targets")
    expect(targets).to_contain_text("Comments on this block")
    expect(targets).to_contain_text("Which planet?")
    expect(targets).not_to_contain_text("Read it twice")
