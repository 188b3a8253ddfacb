"""`python3 dev.py import-campaign FILE --purpose ... --reference ...`: a campaign spreadsheet
imported through the running gateway, all or nothing, with a progress bar.

The file is read and checked here first (the same reader as the gateway's), so a file with row
errors is reported without a round trip; then it is posted once to `POST /api/v1/requests/import`,
which checks it against the catalogue and registers every sample in one request. Exit code 0 when
imported (or checked, with --dry-run), 1 with the report when refused.
"""

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any, get_args

import httpx
from tqdm import tqdm  # type: ignore[import-untyped]

from kernel.settings import get_settings
from services.gateway import campaign
from services.gateway.schemas import Priority, Purpose

PATH = "/api/v1/requests/import"


def sign_in(client: httpx.Client, username: str, password: str) -> str:
    """A bearer token for the user (OAuth2 password grant)."""
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    if answer.status_code != 200:
        raise SystemExit(f"sign-in refused for {username}: {_detail(answer)}")
    token: str = answer.json()["access_token"]
    return token


def _detail(answer: httpx.Response) -> str:
    try:
        body: dict[str, Any] = answer.json()
    except ValueError:
        return f"HTTP {answer.status_code}"
    return str(body.get("detail", f"HTTP {answer.status_code}"))


def print_report(errors: list[dict[str, Any]], *, out: Any = sys.stderr) -> None:
    """The row-by-row report, one line per error."""
    for error in errors:
        print(f"  row {error['row']:>5}  {error['field']}: {error['message']}", file=out)


def post_file(
    client: httpx.Client,
    token: str,
    path: Path,
    content: bytes,
    form: dict[str, str],
) -> httpx.Response:
    """One upload of the file with its form fields."""
    return client.post(
        PATH,
        files={"file": (path.name, content)},
        data=form,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(600, connect=10),
    )


def run(args: argparse.Namespace, client: httpx.Client) -> int:
    """Reads, checks, signs in and uploads, a step of the bar each; prints the outcome."""
    path = Path(args.file)
    with tqdm(total=3, unit="step", desc="reading", disable=args.quiet) as bar:
        content = path.read_bytes()
        try:
            local = campaign.parse(content)
        except campaign.CampaignRefused as error:
            bar.close()
            print(f"{path.name}: refused: {error}", file=sys.stderr)
            return 1
        if local.errors:
            bar.close()
            print(f"{path.name}: {len(local.errors)} error(s); nothing sent", file=sys.stderr)
            print_report([vars(error) for error in local.errors])
            return 1
        bar.set_postfix(rows=local.rows)
        bar.update()
        bar.set_description("signing in")
        token = sign_in(client, args.username, args.password)
        bar.update()
        bar.set_description("checking" if args.dry_run else "importing")
        form = {
            "purpose": args.purpose,
            "priority": args.priority,
            "reference": args.reference,
            "requester_organisation": args.organisation,
            "dry_run": "true" if args.dry_run else "false",
        }
        answer = post_file(client, token, path, content, form)
        bar.update()
    if answer.status_code == 422 and "report" in answer.json():
        body = answer.json()
        print(f"{path.name}: {body['detail']}", file=sys.stderr)
        print_report(body["report"]["errors"])
        return 1
    if answer.status_code not in (200, 201):
        print(f"{path.name}: refused: {_detail(answer)}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"{path.name}: {local.rows} rows, every one valid; nothing registered (dry run)")
        return 0
    created = answer.json()
    numbers = [sample["lab_number"] for sample in created["samples"]]
    print(
        f"{path.name}: request {created['request_id']}, {len(numbers)} samples registered, "
        f"{numbers[0]} to {numbers[-1]}"
    )
    return 0


def parser() -> argparse.ArgumentParser:
    """The command's options (the password from LIMS_PASSWORD, or asked for)."""
    settings = get_settings()
    p = argparse.ArgumentParser(
        prog="dev.py import-campaign",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", help="CSV (UTF-8, `;` or `,`) or XLSX, header row first")
    p.add_argument("--purpose", default="market_surveillance", choices=get_args(Purpose))
    p.add_argument("--priority", default="routine", choices=get_args(Priority))
    p.add_argument("--reference", default="", help="the campaign's reference")
    p.add_argument("--organisation", default="", help="the requesting organisation")
    p.add_argument("--dry-run", action="store_true", help="check only; register nothing")
    p.add_argument(
        "--url", default=settings.public_base_url, help="the gateway (LIMS_PUBLIC_BASE_URL)"
    )
    p.add_argument(
        "--username", default=os.environ.get("LIMS_USERNAME", ""), help="or LIMS_USERNAME"
    )
    p.add_argument(
        "--password", default=os.environ.get("LIMS_PASSWORD", ""), help="or LIMS_PASSWORD"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    """Runs the command; the exit code."""
    args = parser().parse_args(argv)
    if not args.username:
        args.username = input("username: ")
    if not args.password:
        args.password = getpass.getpass(f"password for {args.username}: ")
    with httpx.Client(base_url=args.url.rstrip("/"), timeout=30) as client:
        try:
            return run(args, client)
        except httpx.HTTPError as error:
            print(f"the gateway at {args.url} cannot be reached: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
