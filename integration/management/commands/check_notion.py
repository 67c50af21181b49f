import getpass
import json
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integration.diagnostics import run_checks, target
from integration.management.arguments import one_line
from integration.models import AuditContext, Source


class Command(BaseCommand):
    help = (
        "Check the connection to Notion (the token, the API version, NOTION_PAGE_ID, the integration's "
        "capabilities), the pacing store, the task queue and the database; exit 1 if any check fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the checks as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:  # the checks say what failed; -v 2 also logs each failed request
            logging.getLogger("integration").setLevel(logging.WARNING)
        context = AuditContext(source=Source.COMMAND, username=getpass.getuser())
        try:
            checks = run_checks(context=context)
        except KeyboardInterrupt:
            self.stderr.write("Interrupted: the checks change nothing, so nothing was left half done.")
            raise SystemExit(130) from None
        failed = [check for check in checks if not check.passed]
        if options["json"]:
            report = {
                "target": target(),
                "passed": not failed,
                "correlation_id": str(context.correlation_id),
                "checks": [check.as_dict() for check in checks],
            }
            self.stdout.write(json.dumps(report))
        else:
            lines = [target()]
            for check in checks:
                line = f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {one_line(check.result)}"
                if not check.passed and check.fix:
                    line += f" What to do: {one_line(check.fix)}"
                lines.append(line)
            lines.append(f"Its requests are in the history under {context.correlation_id}.")
            self.stdout.write("\n".join(lines))
        if failed:
            names = ", ".join(check.name for check in failed)
            raise CommandError(f"{len(failed)} of {len(checks)} checks failed: {names}.")
