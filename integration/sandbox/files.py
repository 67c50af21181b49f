"""The files uploaded to the sandbox, served to people logged in, as Notion serves an attached file."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from integration.notion.workspace import workspace
from integration.sandbox.store import sandbox


@login_required
def sandbox_file(request: HttpRequest, upload_id: str, filename: str) -> FileResponse:
    """The file of an upload, streamed from storage; only while the app talks to its sandbox."""
    if not workspace().is_sandbox:
        raise Http404("The sandbox is off.")
    stored = sandbox().blobs.open(str(upload_id))
    if stored is None or stored[0] != filename:
        stored and stored[1].close()
        raise Http404("No such file in the sandbox.")
    name, fileobj = stored
    response = FileResponse(fileobj, filename=name)
    # Uploads are whatever people sent (an SVG may hold a script): shown, never run, on the app's origin.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
