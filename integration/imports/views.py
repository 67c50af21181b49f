"""The CSV import in the browser: upload a file, see its columns and first rows, choose, start.

An uploaded file is kept under IMPORTS_DIR with a random name, recorded as an `Upload` of its
uploader under a random token: only its uploader reaches it, and uploads made at the same time
(several tabs, one session) each keep their own. "Start import" first renames the file (one
rename wins: a double POST can't start two jobs), then the job owns it, and the upload remembers
the job, to which the preview's address then leads.
"""

import os
import secrets
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.generic import FormView, TemplateView

from integration.home import recent_objects
from integration.imports import service
from integration.imports.forms import DATA_SOURCE, ImportForm, UploadForm
from integration.middleware import LoggedInRequest
from integration.models import Job, Upload
from integration.notion.errors import NotionError
from integration.notion.workspace import workspace
from integration.views import web_context

NAME_KEPT = 200  # characters of an uploaded file's name
# Rows Check looks up in the data source: 10 queries, a few seconds at Notion's rate. A dry run from
# the command line (`import_csv --dry-run`) looks every row up.
CHECK_LOOKUP_ROWS = 1000


def _claimed(path: Path) -> Path:
    """Where an upload goes when its import starts: the job's file from then on."""
    return path.with_name(f"{path.stem}-started.csv")


class ImportUploadView(FormView):
    """Step 1: a CSV file, checked as a whole before it is kept."""

    template_name = "integration/import_upload.html"
    form_class = UploadForm
    request: LoggedInRequest

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | {"max_bytes": settings.IMPORT_MAX_BYTES}

    def form_valid(self, form: UploadForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        path = settings.IMPORTS_DIR / f"upload-{uuid.uuid4()}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as kept:
            for chunk in upload.chunks():
                kept.write(chunk)
        name = Path(upload.name or "import.csv").name[:NAME_KEPT]
        try:
            file = service.read_file(path=path, name=name)
        except service.CannotImport as error:
            path.unlink(missing_ok=True)
            form.add_error("file", error.message)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = Upload.objects.create(
            token=secrets.token_urlsafe(16),
            owner=self.request.user,
            path=str(path),
            name=name,
            summary=file.as_dict(),
        )
        return redirect("import-preview", token=upload.token)

    def form_invalid(self, form: UploadForm) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _marked_rows(file: service.CsvFile, check: service.RowCheck | None) -> list[list[tuple[str, str]]]:
    """The preview's first rows, each cell with why it would be refused ("" if it would not)."""
    return [
        [
            (value, check.cell_problem(line, name) if check else "")
            for name, value in zip(file.header, values, strict=True)
        ]
        for line, values in zip(file.first_lines, file.first_rows, strict=True)
    ]


class ImportPreviewView(TemplateView):
    """Step 2: the columns with their types, the first rows, the title column and the target;
    "Check" shows how the columns fit an existing data source and which rows would be refused,
    "Start import" queues the job."""

    template_name = "integration/import_preview.html"
    request: LoggedInRequest

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.token = kwargs["token"]
        upload = Upload.objects.filter(token=self.token, owner=request.user.pk).first()
        if upload is None:
            raise Http404("No such upload.")
        self.upload = upload
        if self.upload.job_id is not None:  # started already: a resent form, or the address again
            return redirect("job", pk=self.upload.job_id)
        path = Path(self.upload.path)
        if not path.exists():
            if _claimed(path).exists():
                return self.starting_elsewhere(path)
            raise Http404("This upload is no longer here: upload the file again.")
        self.file = self.read_upload(path)
        return super().dispatch(request, *args, **kwargs)

    def read_upload(self, path: Path) -> service.CsvFile:
        """The upload's file as reading it at upload found it: the file itself is not read again.
        An upload made before that was kept is read once, and what was found kept with it."""
        upload = self.upload
        if upload.summary:
            return service.CsvFile.from_dict(upload.summary, path=path, name=upload.name)
        try:
            file = service.read_file(path=path, name=upload.name)
        except service.CannotImport:
            raise Http404("This upload is no longer here: upload the file again.") from None
        Upload.objects.filter(pk=upload.pk).update(summary=file.as_dict())
        return file

    def starting_elsewhere(self, path: Path) -> HttpResponse:
        """The answer to a request that finds another one starting this upload's import."""
        job = Job.objects.filter(owner=self.request.user, input__file=str(_claimed(path))).first()
        if job is not None:
            return redirect("job", pk=job.pk)
        return TemplateResponse(
            self.request,
            "integration/import_starting.html",
            {"name": self.upload.name},
            status=409,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        recent = recent_objects(self.request.user)
        form = kwargs.get("form") or ImportForm(
            file=self.file, default_parent=workspace().default_parent_page()
        )
        context.update(
            file=self.file,
            form=form,
            preview_rows=_marked_rows(self.file, kwargs.get("row_check")),
            recent_sources=recent["data_source_id"],
            recent_pages=recent["page_id"],
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ImportForm(request.POST, file=self.file)
        if not form.is_valid() or form.plan is None:
            return self.render_to_response(self.get_context_data(form=form), status=400)
        starting = request.POST.get("action") == "start"
        data = form.cleaned_data
        match = dry = None
        if data["target"] == DATA_SOURCE:
            try:
                match = service.match_data_source(
                    file=self.file,
                    plan=form.plan,
                    data_source_id=data["data_source_id"],
                    key_column=data["key_column"],
                    mode=data["mode"],
                    context=web_context(request),
                )
                if not starting and not match.mismatches:  # what the import would do, row by row
                    dry = service.dry_run(
                        file=self.file,
                        plan=form.plan,
                        data_source_id=data["data_source_id"],
                        key_column=data["key_column"],
                        mode=data["mode"],
                        limit=CHECK_LOOKUP_ROWS,
                        context=web_context(request),
                    )
            except NotionError as error:
                form.add_error("data_source_id", error.hint)
                return self.render_to_response(self.get_context_data(form=form), status=400)
            except service.CannotImport as error:
                form.add_error(None, error.message)
                return self.render_to_response(self.get_context_data(form=form), status=400)
        row_check = None
        if match is None or not match.mismatches:
            schema = (
                service.match_schema(match, form.plan)
                if match
                else service.new_database_schema(file=self.file, plan=form.plan)
            )
            row_check = service.check_rows(file=self.file, plan=form.plan, schema=schema)
        if not starting:
            return self.render_to_response(
                self.get_context_data(form=form, match=match, dry=dry, row_check=row_check, checked=True)
            )
        return self.start(form, match, row_check)

    def start(
        self, form: ImportForm, match: service.Match | None, row_check: service.RowCheck | None
    ) -> HttpResponse:
        path = Path(self.upload.path)
        claimed = _claimed(path)
        try:
            os.rename(path, claimed)
        except FileNotFoundError:  # another request is starting it
            return self.starting_elsewhere(path)
        data, plan = form.cleaned_data, form.plan
        assert plan is not None
        file = replace(self.file, path=claimed)
        context = web_context(self.request)
        try:
            if data["target"] == DATA_SOURCE:
                started = service.start_data_source_import(
                    file=file,
                    plan=plan,
                    data_source_id=data["data_source_id"],
                    user=self.request.user,
                    context=context,
                    key_column=data["key_column"],
                    mode=data["mode"],
                )
            else:
                started = service.start_new_database_import(
                    file=file,
                    plan=plan,
                    title=data["title"],
                    parent_page_id=data["parent_page_id"],
                    user=self.request.user,
                    context=context,
                )
        except (service.CannotImport, NotionError) as error:
            os.rename(claimed, path)
            if isinstance(error, NotionError):
                form.add_error(None, error.hint)
            else:
                form.add_error(None, error.message)
            return self.render_to_response(
                self.get_context_data(
                    form=form, match=match, row_check=row_check, mismatches=getattr(error, "mismatches", ())
                ),
                status=400,
            )
        Upload.objects.filter(pk=self.upload.pk).update(job=started.job)
        if started.message:  # resumed, or nothing to do
            messages.info(self.request, started.message)
        return redirect("job", pk=started.job.pk)
